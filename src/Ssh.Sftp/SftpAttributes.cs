using System.Globalization;
using System.Text;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

/// <summary>
/// paramiko's <c>SFTPAttributes</c>: what SFTP v3 knows of a file (draft-ietf-secsh-filexfer-02 §5). Every field is
/// optional; the server sends what it has, and a SETSTAT changes only the fields that are set. Directory listings
/// also carry <see cref="FileName"/> and the server's <c>ls -l</c> line, <see cref="LongName"/>.
/// </summary>
public sealed class SftpAttributes
{
    private const uint FlagSize = 0x1, FlagUidGid = 0x2, FlagPermissions = 0x4, FlagTimes = 0x8, FlagExtended = 0x80000000;

    /// <summary>The file type bits of <see cref="Mode"/> (S_IFMT) and the types we name.</summary>
    public const uint TypeMask = 0xF000, TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000;

    /// <summary>st_size: the size in bytes.</summary>
    public long? Size { get; set; }

    /// <summary>st_uid: the owner's numeric id (sent together with <see cref="Gid"/>).</summary>
    public uint? Uid { get; set; }

    /// <summary>st_gid: the group's numeric id (sent together with <see cref="Uid"/>).</summary>
    public uint? Gid { get; set; }

    /// <summary>st_mode: the permission bits and, from a server, the file type bits (see <see cref="TypeMask"/>).</summary>
    public uint? Mode { get; set; }

    /// <summary>st_atime: last access, in seconds since 1970 (sent together with <see cref="MTime"/>).</summary>
    public uint? ATime { get; set; }

    /// <summary>st_mtime: last modification, in seconds since 1970 (sent together with <see cref="ATime"/>).</summary>
    public uint? MTime { get; set; }

    /// <summary>Extended attributes (name, data) in the server's order.</summary>
    public IList<KeyValuePair<string, byte[]>> Extended { get; init; } = [];

    /// <summary>The entry's name, in a directory listing.</summary>
    public string? FileName { get; set; }

    /// <summary>The server's <c>ls -l</c> line for the entry, in a directory listing.</summary>
    public string? LongName { get; set; }

    /// <summary>True when <see cref="Mode"/> says directory.</summary>
    public bool IsDirectory => (Mode & TypeMask) == TypeDirectory;

    /// <summary>True when <see cref="Mode"/> says regular file.</summary>
    public bool IsRegularFile => (Mode & TypeMask) == TypeRegular;

    /// <summary>True when <see cref="Mode"/> says symbolic link (only LSTAT reports links).</summary>
    public bool IsSymbolicLink => (Mode & TypeMask) == TypeSymlink;

    /// <summary>The permission bits alone (07777 of <see cref="Mode"/>).</summary>
    public UnixFileMode? Permissions => Mode is { } m ? (UnixFileMode)(m & 0xFFF) : null;

    /// <summary><see cref="MTime"/> as a time.</summary>
    public DateTimeOffset? LastWriteTime => MTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null;

    /// <summary><see cref="ATime"/> as a time.</summary>
    public DateTimeOffset? LastAccessTime => ATime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null;

    /// <summary>A copy (names included).</summary>
    public SftpAttributes Clone() => new()
    {
        Size = Size, Uid = Uid, Gid = Gid, Mode = Mode, ATime = ATime, MTime = MTime,
        Extended = [.. Extended], FileName = FileName, LongName = LongName,
    };

    /// <summary>paramiko's <c>from_stat</c>: the attributes of a local file or directory (not following a link).</summary>
    public static SftpAttributes FromLocal(FileSystemInfo info)
    {
        info.Refresh();
        uint type = info.LinkTarget is not null ? TypeSymlink : info is DirectoryInfo ? TypeDirectory : TypeRegular;
        return new SftpAttributes
        {
            Size = info is FileInfo file && info.LinkTarget is null ? file.Length : 0,
            Mode = type | (OperatingSystem.IsWindows() ? 0x1A4u : (uint)info.UnixFileMode),
            ATime = (uint)Math.Clamp(new DateTimeOffset(info.LastAccessTimeUtc).ToUnixTimeSeconds(), 0, uint.MaxValue),
            MTime = (uint)Math.Clamp(new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds(), 0, uint.MaxValue),
            FileName = info.Name,
        };
    }

    internal static SftpAttributes Read(ref SftpReader reader)
    {
        uint flags = reader.ReadUInt32();
        var attributes = new SftpAttributes();
        if ((flags & FlagSize) != 0) attributes.Size = (long)Math.Min(reader.ReadUInt64(), long.MaxValue);
        if ((flags & FlagUidGid) != 0)
        {
            attributes.Uid = reader.ReadUInt32();
            attributes.Gid = reader.ReadUInt32();
        }
        if ((flags & FlagPermissions) != 0) attributes.Mode = reader.ReadUInt32();
        if ((flags & FlagTimes) != 0)
        {
            attributes.ATime = reader.ReadUInt32();
            attributes.MTime = reader.ReadUInt32();
        }
        if ((flags & FlagExtended) != 0)
        {
            uint count = reader.ReadUInt32();
            // Each pair takes at least 8 bytes: a count beyond that is a lie, refused before anything is allocated.
            if (count > (uint)reader.Remaining / 8) throw new SftpProtocolException($"Attributes claim {count} extended pairs in {reader.Remaining} bytes.");
            for (uint i = 0; i < count; i++)
                attributes.Extended.Add(new(reader.ReadString(), reader.ReadBytes().ToArray()));
        }
        return attributes;
    }

    internal void Write(ref SftpPacketWriter writer)
    {
        uint flags = (Size is not null ? FlagSize : 0)
            | (Uid is not null && Gid is not null ? FlagUidGid : 0)
            | (Mode is not null ? FlagPermissions : 0)
            | (ATime is not null && MTime is not null ? FlagTimes : 0)
            | (Extended.Count > 0 ? FlagExtended : 0);
        writer.WriteUInt32(flags);
        if ((flags & FlagSize) != 0) writer.WriteUInt64((ulong)Size!.Value);
        if ((flags & FlagUidGid) != 0)
        {
            writer.WriteUInt32(Uid!.Value);
            writer.WriteUInt32(Gid!.Value);
        }
        if ((flags & FlagPermissions) != 0) writer.WriteUInt32(Mode!.Value);
        if ((flags & FlagTimes) != 0)
        {
            writer.WriteUInt32(ATime!.Value);
            writer.WriteUInt32(MTime!.Value);
        }
        if ((flags & FlagExtended) != 0)
        {
            writer.WriteUInt32((uint)Extended.Count);
            foreach (var (name, data) in Extended)
            {
                writer.WriteString(name);
                writer.WriteString(data);
            }
        }
    }

    /// <summary>Writes empty attributes (flags 0) without creating an object.</summary>
    internal static void WriteEmpty(ref SftpPacketWriter writer) => writer.WriteUInt32(0);

    /// <summary>An <c>ls -l</c> line as OpenSSH's sftp-server writes for a listing: mode, links, owner, group, size,
    /// date, name. The date shows the time of day within six months of <paramref name="now"/>, the year otherwise.</summary>
    public string FormatLongName(string name, string? owner = null, string? group = null, int links = 1, DateTimeOffset? now = null)
    {
        var line = new StringBuilder(80);
        line.Append(FormatMode(Mode ?? 0));
        line.Append(CultureInfo.InvariantCulture, $" {links,4} {owner ?? Uid?.ToString(CultureInfo.InvariantCulture) ?? "0",-8} {group ?? Gid?.ToString(CultureInfo.InvariantCulture) ?? "0",-8} {Size ?? 0,8} ");
        DateTimeOffset when = LastWriteTime ?? DateTimeOffset.UnixEpoch;
        DateTimeOffset reference = now ?? DateTimeOffset.UtcNow;
        bool recent = when <= reference.AddDays(1) && when > reference.AddDays(-182);
        line.Append(when.ToString(recent ? "MMM dd HH:mm" : "MMM dd  yyyy", CultureInfo.InvariantCulture));
        line.Append(' ').Append(name);
        return line.ToString();
    }

    /// <summary><c>drwxr-xr-x</c> for a mode, with the set-id and sticky bits as <c>ls</c> shows them.</summary>
    public static string FormatMode(uint mode)
    {
        Span<char> text = stackalloc char[10];
        text[0] = (mode & TypeMask) switch
        {
            TypeDirectory => 'd', TypeSymlink => 'l', 0x2000 => 'c', 0x6000 => 'b', 0x1000 => 'p', 0xC000 => 's', _ => '-',
        };
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) text[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        if ((mode & 0x800) != 0) text[3] = text[3] == 'x' ? 's' : 'S';
        if ((mode & 0x400) != 0) text[6] = text[6] == 'x' ? 's' : 'S';
        if ((mode & 0x200) != 0) text[9] = text[9] == 'x' ? 't' : 'T';
        return new string(text);
    }

    /// <summary>paramiko's <c>str(attr)</c>: the long name when the server sent one, otherwise an <c>ls -l</c> line.</summary>
    public override string ToString() => LongName ?? FormatLongName(FileName ?? "?");
}
