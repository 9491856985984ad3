namespace Ssh.Sftp.Protocol;

/// <summary>The extensions we speak, by their names in OpenSSH's PROTOCOL file §4 (and the drafts they come from).</summary>
internal static class SftpExtensionNames
{
    public const string PosixRename = "posix-rename@openssh.com";
    public const string StatVfs = "statvfs@openssh.com";
    public const string FStatVfs = "fstatvfs@openssh.com";
    public const string Hardlink = "hardlink@openssh.com";
    public const string Fsync = "fsync@openssh.com";
    public const string LSetStat = "lsetstat@openssh.com";
    public const string Limits = "limits@openssh.com";
    public const string ExpandPath = "expand-path@openssh.com";
    public const string CopyData = "copy-data";
    public const string HomeDirectory = "home-directory";
    public const string UsersGroupsById = "users-groups-by-id@openssh.com";

    /// <summary>What our server announces in SSH_FXP_VERSION, with the version string each extension defines.</summary>
    public static readonly IReadOnlyList<(string Name, string Version)> Announced =
    [
        (PosixRename, "1"), (StatVfs, "2"), (FStatVfs, "2"), (Hardlink, "1"), (Fsync, "1"), (LSetStat, "1"),
        (Limits, "1"), (ExpandPath, "1"), (CopyData, "1"), (HomeDirectory, "1"), (UsersGroupsById, "1"),
    ];
}

/// <summary>What a server accepts (limits@openssh.com, OpenSSH PROTOCOL §4.8); 0 means "no limit stated".</summary>
/// <param name="MaxPacketLength">The longest packet the server reads.</param>
/// <param name="MaxReadLength">The most data one READ returns.</param>
/// <param name="MaxWriteLength">The most data one WRITE may carry.</param>
/// <param name="MaxOpenHandles">How many handles may be open at once.</param>
public sealed record SftpLimits(ulong MaxPacketLength, ulong MaxReadLength, ulong MaxWriteLength, ulong MaxOpenHandles);

/// <summary>A file system's figures (statvfs@openssh.com, OpenSSH PROTOCOL §4.4), as POSIX statvfs(3) names them.</summary>
/// <param name="BlockSize">f_bsize: the file system block size.</param>
/// <param name="FragmentSize">f_frsize: the fundamental block size, the unit of the block counts.</param>
/// <param name="Blocks">f_blocks: the size in fragments.</param>
/// <param name="FreeBlocks">f_bfree: free fragments.</param>
/// <param name="AvailableBlocks">f_bavail: free fragments an unprivileged user may use.</param>
/// <param name="Files">f_files: inodes.</param>
/// <param name="FreeFiles">f_ffree: free inodes.</param>
/// <param name="AvailableFiles">f_favail: free inodes for an unprivileged user.</param>
/// <param name="FileSystemId">f_fsid.</param>
/// <param name="Flags">f_flag: 1 read-only (ST_RDONLY), 2 no set-id (ST_NOSUID).</param>
/// <param name="MaxNameLength">f_namemax: the longest file name.</param>
public sealed record SftpStatVfs(ulong BlockSize, ulong FragmentSize, ulong Blocks, ulong FreeBlocks, ulong AvailableBlocks,
    ulong Files, ulong FreeFiles, ulong AvailableFiles, ulong FileSystemId, ulong Flags, ulong MaxNameLength)
{
    /// <summary>The total size in bytes.</summary>
    public ulong TotalBytes => Blocks * FragmentSize;

    /// <summary>Bytes an unprivileged user may still write.</summary>
    public ulong AvailableBytes => AvailableBlocks * FragmentSize;

    internal static SftpStatVfs Read(ref SftpReader reader) => new(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(),
        reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(),
        reader.ReadUInt64(), reader.ReadUInt64());

    internal void Write(ref SftpPacketWriter writer)
    {
        foreach (ulong value in (ReadOnlySpan<ulong>)[BlockSize, FragmentSize, Blocks, FreeBlocks, AvailableBlocks, Files, FreeFiles,
                     AvailableFiles, FileSystemId, Flags, MaxNameLength])
            writer.WriteUInt64(value);
    }
}
