using Ssh.Sftp.Client;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

// OpenSSH's extensions (PROTOCOL §4) and the drafts' copy-data and home-directory, where the server offers them.
public sealed partial class SftpClient
{
    /// <summary>statvfs@openssh.com: the figures of the file system holding <paramref name="path"/> (what <c>df</c> shows).</summary>
    public async Task<SftpStatVfs> StatVfsAsync(string path, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.StatVfs);
        path = Adjust(path);
        return StatVfsReply(await ExtendedAsync(SftpExtensionNames.StatVfs, path, static (ref SftpPacketWriter w, string p) => w.WriteString(p),
            cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>statvfs@openssh.com, blocking.</summary>
    public SftpStatVfs StatVfs(string path) => StatVfsAsync(path).GetAwaiter().GetResult();

    internal static SftpStatVfs StatVfsReply(ReceivedPacket reply, string? path)
    {
        try
        {
            SftpReplies.ThrowIfStatus(reply, path);
            if (reply.Type != SftpPacketType.ExtendedReply) throw new SftpProtocolException("statvfs was answered with a packet other than SSH_FXP_EXTENDED_REPLY.");
            SftpReader reader = reply.Reader();
            return SftpStatVfs.Read(ref reader);
        }
        finally
        {
            reply.Return();
        }
    }

    /// <summary>hardlink@openssh.com: a new name <paramref name="newPath"/> for the file at <paramref name="oldPath"/>.</summary>
    public async Task HardlinkAsync(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.Hardlink);
        oldPath = Adjust(oldPath);
        newPath = Adjust(newPath);
        SftpReplies.Status(await ExtendedAsync(SftpExtensionNames.Hardlink, (oldPath, newPath), WriteTwoPaths, cancellationToken).ConfigureAwait(false), newPath);
    }

    /// <summary>hardlink@openssh.com, blocking.</summary>
    public void Hardlink(string oldPath, string newPath) => HardlinkAsync(oldPath, newPath).GetAwaiter().GetResult();

    /// <summary>lsetstat@openssh.com: SETSTAT that changes a symbolic link itself, not its target.</summary>
    public async Task LSetStatAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        RequireExtension(SftpExtensionNames.LSetStat);
        path = Adjust(path);
        SftpReplies.Status(await ExtendedAsync(SftpExtensionNames.LSetStat, (path, attributes), static (ref SftpPacketWriter w, (string Path, SftpAttributes Attributes) s) =>
        {
            w.WriteString(s.Path);
            s.Attributes.Write(ref w);
        }, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>lsetstat@openssh.com, blocking.</summary>
    public void LSetStat(string path, SftpAttributes attributes) => LSetStatAsync(path, attributes).GetAwaiter().GetResult();

    /// <summary>expand-path@openssh.com: like <see cref="NormalizeAsync"/>, and a leading <c>~</c> or
    /// <c>~user</c> becomes that user's home directory.</summary>
    public async Task<string> ExpandPathAsync(string path, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.ExpandPath);
        return SftpReplies.SingleName(await ExtendedAsync(SftpExtensionNames.ExpandPath, path, static (ref SftpPacketWriter w, string p) => w.WriteString(p),
            cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>expand-path@openssh.com, blocking.</summary>
    public string ExpandPath(string path) => ExpandPathAsync(path).GetAwaiter().GetResult();

    /// <summary>home-directory: the home directory of <paramref name="username"/> (the session's user when empty).</summary>
    public async Task<string> HomeDirectoryAsync(string username = "", CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.HomeDirectory);
        return SftpReplies.SingleName(await ExtendedAsync(SftpExtensionNames.HomeDirectory, username, static (ref SftpPacketWriter w, string u) => w.WriteString(u),
            cancellationToken).ConfigureAwait(false), username);
    }

    /// <summary>home-directory, blocking.</summary>
    public string HomeDirectory(string username = "") => HomeDirectoryAsync(username).GetAwaiter().GetResult();

    /// <summary>users-groups-by-id@openssh.com: the names of numeric user and group ids (empty where the server
    /// knows no name).</summary>
    public async Task<(IReadOnlyList<string> Users, IReadOnlyList<string> Groups)> GetUsersGroupsByIdAsync(IReadOnlyList<uint> uids,
        IReadOnlyList<uint> gids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(gids);
        RequireExtension(SftpExtensionNames.UsersGroupsById);
        ReceivedPacket reply = await ExtendedAsync(SftpExtensionNames.UsersGroupsById, (uids, gids),
            static (ref SftpPacketWriter w, (IReadOnlyList<uint> Uids, IReadOnlyList<uint> Gids) s) =>
            {
                WriteIds(ref w, s.Uids);
                WriteIds(ref w, s.Gids);
            }, cancellationToken).ConfigureAwait(false);
        try
        {
            SftpReplies.ThrowIfStatus(reply, null);
            if (reply.Type != SftpPacketType.ExtendedReply) throw new SftpProtocolException("users-groups-by-id was answered with a packet other than SSH_FXP_EXTENDED_REPLY.");
            SftpReader reader = reply.Reader();
            List<string> users = ReadNames(reader.ReadBytes(), uids.Count);
            List<string> groups = ReadNames(reader.ReadBytes(), gids.Count);
            return (users, groups);
        }
        finally
        {
            reply.Return();
        }
    }

    /// <summary>users-groups-by-id@openssh.com, blocking.</summary>
    public (IReadOnlyList<string> Users, IReadOnlyList<string> Groups) GetUsersGroupsById(IReadOnlyList<uint> uids, IReadOnlyList<uint> gids) =>
        GetUsersGroupsByIdAsync(uids, gids).GetAwaiter().GetResult();

    // The id lists and name lists are each one SSH string holding uint32s, or strings (PROTOCOL §4.11).
    private static void WriteIds(ref SftpPacketWriter w, IReadOnlyList<uint> ids)
    {
        w.WriteUInt32((uint)ids.Count * 4);
        foreach (uint id in ids) w.WriteUInt32(id);
    }

    private static List<string> ReadNames(ReadOnlySpan<byte> data, int expected)
    {
        var reader = new SftpReader(data);
        var names = new List<string>(expected);
        while (!reader.AtEnd) names.Add(reader.ReadString());
        if (names.Count != expected) throw new SftpProtocolException($"users-groups-by-id returned {names.Count} names for {expected} ids.");
        return names;
    }

    /// <summary>copy-data (draft-ietf-secsh-filexfer-extensions-00 §7): the server copies <paramref name="length"/>
    /// bytes (0: to the end) from <paramref name="source"/> at <paramref name="sourceOffset"/> into
    /// <paramref name="destination"/> at <paramref name="destinationOffset"/>, without the data crossing the network.</summary>
    public async Task CopyDataAsync(SftpFile source, long sourceOffset, long length, SftpFile destination, long destinationOffset,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        RequireExtension(SftpExtensionNames.CopyData);
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        SftpReplies.Status(await ExtendedAsync(SftpExtensionNames.CopyData, (source.Handle, sourceOffset, length, destination.Handle, destinationOffset),
            static (ref SftpPacketWriter w, (byte[] Source, long SourceOffset, long Length, byte[] Destination, long DestinationOffset) s) =>
            {
                w.WriteString(s.Source);
                w.WriteUInt64((ulong)s.SourceOffset);
                w.WriteUInt64((ulong)s.Length);
                w.WriteString(s.Destination);
                w.WriteUInt64((ulong)s.DestinationOffset);
            }, cancellationToken).ConfigureAwait(false), destination.Path);
    }

    /// <summary>copy-data, blocking.</summary>
    public void CopyData(SftpFile source, long sourceOffset, long length, SftpFile destination, long destinationOffset) =>
        CopyDataAsync(source, sourceOffset, length, destination, destinationOffset).GetAwaiter().GetResult();

    /// <summary>A whole-file server-side copy with copy-data: opens <paramref name="source"/>, creates or truncates
    /// <paramref name="destination"/>, copies.</summary>
    public async Task CopyFileAsync(string source, string destination, CancellationToken cancellationToken = default)
    {
        await using SftpFile from = await OpenAsync(source, "r", cancellationToken: cancellationToken).ConfigureAwait(false);
        await using SftpFile to = await OpenAsync(destination, "w", cancellationToken: cancellationToken).ConfigureAwait(false);
        await CopyDataAsync(from, 0, 0, to, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A whole-file server-side copy, blocking.</summary>
    public void CopyFile(string source, string destination) => CopyFileAsync(source, destination).GetAwaiter().GetResult();
}
