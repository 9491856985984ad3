using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Client;

/// <summary>Reads the reply a request expects, or turns a STATUS reply into the exception it means. Each method
/// returns the reply's buffer to the pool.</summary>
internal static class SftpReplies
{
    /// <summary>STATUS OK, or the exception for any other status.</summary>
    public static void Status(ReceivedPacket reply, string? path)
    {
        try
        {
            SftpStatusCode code = ReadStatus(reply, path, out string message);
            if (code != SftpStatusCode.Ok) throw SftpException.FromStatus(code, message, path);
        }
        finally
        {
            reply.Return();
        }
    }

    /// <summary>The status code and message of a STATUS reply; anything else is a protocol error.</summary>
    public static SftpStatusCode ReadStatus(ReceivedPacket reply, string? path, out string message)
    {
        if (reply.Type != SftpPacketType.Status) throw Unexpected(reply, "SSH_FXP_STATUS", path);
        SftpReader reader = reply.Reader();
        var code = (SftpStatusCode)reader.ReadUInt32();
        // The message and language tag are optional in practice: some servers end the packet after the code.
        message = reader.AtEnd ? "" : reader.ReadString();
        return code;
    }

    public static byte[] Handle(ReceivedPacket reply, string? path)
    {
        try
        {
            ThrowIfStatus(reply, path);
            if (reply.Type != SftpPacketType.Handle) throw Unexpected(reply, "SSH_FXP_HANDLE", path);
            SftpReader reader = reply.Reader();
            ReadOnlySpan<byte> handle = reader.ReadBytes();
            if (handle.Length > 256) throw new SftpProtocolException($"A handle of {handle.Length} bytes (the draft allows 256).");
            return handle.ToArray();
        }
        finally
        {
            reply.Return();
        }
    }

    public static SftpAttributes Attributes(ReceivedPacket reply, string? path)
    {
        try
        {
            ThrowIfStatus(reply, path);
            if (reply.Type != SftpPacketType.Attrs) throw Unexpected(reply, "SSH_FXP_ATTRS", path);
            SftpReader reader = reply.Reader();
            return SftpAttributes.Read(ref reader);
        }
        finally
        {
            reply.Return();
        }
    }

    /// <summary>The entries of a NAME reply, or null for EOF (the end of a listing).</summary>
    public static List<SftpAttributes>? Names(ReceivedPacket reply, string? path)
    {
        try
        {
            if (reply.Type == SftpPacketType.Status)
            {
                SftpStatusCode code = ReadStatus(reply, path, out string message);
                if (code == SftpStatusCode.Eof) return null;
                throw SftpException.FromStatus(code, message, path);
            }
            if (reply.Type != SftpPacketType.Name) throw Unexpected(reply, "SSH_FXP_NAME", path);
            SftpReader reader = reply.Reader();
            uint count = reader.ReadUInt32();
            // Each entry takes at least 12 bytes (two empty strings and the attribute flags).
            if (count > (uint)reader.Remaining / 12) throw new SftpProtocolException($"A NAME reply claims {count} entries in {reader.Remaining} bytes.");
            var names = new List<SftpAttributes>((int)count);
            for (uint i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                string longName = reader.ReadString();
                SftpAttributes attributes = SftpAttributes.Read(ref reader);
                attributes.FileName = name;
                attributes.LongName = longName;
                names.Add(attributes);
            }
            return names;
        }
        finally
        {
            reply.Return();
        }
    }

    /// <summary>The one name of a REALPATH / READLINK / expand-path reply.</summary>
    public static string SingleName(ReceivedPacket reply, string? path)
    {
        List<SftpAttributes> names = Names(reply, path) ?? throw new SftpException(SftpStatusCode.Eof, $"{path}: the server returned no name.");
        if (names.Count != 1) throw new SftpProtocolException($"The server returned {names.Count} names where one was expected.");
        return names[0].FileName!;
    }

    /// <summary>Throws for a STATUS reply (whatever its code: OK is not an answer to a request that wants data).</summary>
    public static void ThrowIfStatus(ReceivedPacket reply, string? path)
    {
        if (reply.Type != SftpPacketType.Status) return;
        SftpStatusCode code = ReadStatus(reply, path, out string message);
        throw code == SftpStatusCode.Ok
            ? new SftpProtocolException($"{path}: the server answered OK where data was expected.")
            : SftpException.FromStatus(code, message, path);
    }

    private static SftpProtocolException Unexpected(ReceivedPacket reply, string expected, string? path) =>
        new($"{(path is null ? "" : path + ": ")}the server answered with packet type {(byte)reply.Type} where {expected} was expected.");
}
