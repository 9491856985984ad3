using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

// RFC 4253 §11.1: byte 1 ‖ uint32 reason ‖ string description ‖ string language
internal readonly record struct DisconnectMessage(DisconnectReason Reason, string Description) : IMessage
{
    public static DisconnectMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        var reason = (DisconnectReason)r.ReadUInt32();
        string description = r.ReadString();
        if (!r.AtEnd) r.ReadStringBytes(); // language tag, ignored
        return new DisconnectMessage(reason, description);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.Disconnect);
        w.WriteUInt32((uint)Reason);
        w.WriteString(Description);
        w.WriteString("");
    }
}

// RFC 4253 §11.2: byte 2 ‖ string data
internal readonly record struct IgnoreMessage(int Length) : IMessage
{
    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.Ignore);
        w.WriteUInt32((uint)Length);
        System.Security.Cryptography.RandomNumberGenerator.Fill(w.Free[..Length]);
        w.Advance(Length);
    }
}

// RFC 4253 §11.4: byte 3 ‖ uint32 rejected sequence number
internal readonly record struct UnimplementedMessage(uint SequenceNumber) : IMessage
{
    public static UnimplementedMessage Read(ReadOnlySpan<byte> payload) => new(new SshReader(payload[1..]).ReadUInt32());

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.Unimplemented);
        w.WriteUInt32(SequenceNumber);
    }
}

// RFC 4253 §10: byte 5/6 ‖ string service name
internal readonly record struct ServiceMessage(MessageNumber Number, string ServiceName) : IMessage
{
    public static ServiceMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        string name = r.ReadString();
        return new ServiceMessage((MessageNumber)payload[0], name);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)Number);
        w.WriteString(ServiceName);
    }
}

// RFC 8308 §2.3: byte 7 ‖ uint32 count ‖ (string name ‖ string value)*
internal sealed record ExtInfoMessage(IReadOnlyList<KeyValuePair<string, byte[]>> Extensions) : IMessage
{
    public static ExtInfoMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        uint count = r.ReadUInt32();
        if (count > 1024)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "EXT_INFO announces an absurd number of extensions.");
        var list = new List<KeyValuePair<string, byte[]>>((int)count);
        for (uint i = 0; i < count; i++)
            list.Add(new(r.ReadString(), r.ReadBinaryString()));
        return new ExtInfoMessage(list);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ExtInfo);
        w.WriteUInt32((uint)Extensions.Count);
        foreach (var (name, value) in Extensions)
        {
            w.WriteString(name);
            w.WriteString(value);
        }
    }
}

// RFC 4253 §7.3: byte 21
internal readonly record struct NewKeysMessage : IMessage
{
    public void Write(ref SshWriter w) => w.WriteByte((byte)MessageNumber.NewKeys);
}

// OpenSSH PROTOCOL §1.9: byte 192 (PING) or 193 (PONG) ‖ string data
internal readonly record struct PingMessage(MessageNumber Number, ReadOnlyMemory<byte> Data) : IMessage
{
    /// <summary>The extension name a server puts in EXT_INFO (version "0") when it answers PING.</summary>
    public const string Extension = "ping@openssh.com";

    public static PingMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        byte[] data = r.ReadBinaryString();
        r.EnsureEnd(payload[0] == (byte)MessageNumber.Ping ? "PING" : "PONG");
        return new PingMessage((MessageNumber)payload[0], data);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)Number);
        w.WriteString(Data.Span);
    }
}
