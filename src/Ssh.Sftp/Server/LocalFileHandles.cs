using Ssh.Sftp.Protocol;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ssh.Sftp.Server;

/// <summary>An open local file: positional reads and writes (pread/pwrite on the thread pool), so the server may
/// run many of them at once.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class LocalFileHandle(SafeFileHandle file, string path) : ISftpFileHandle
{
    private int Fd => file.DangerousGetHandle().ToInt32();

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(file, buffer, offset, cancellationToken);

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        RandomAccess.WriteAsync(file, data, offset, cancellationToken);

    public ValueTask<SftpAttributes> StatAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalFileSystem.StatX(Fd, "", LibC.AT_EMPTY_PATH, out _));

    public ValueTask SetStatAsync(SftpAttributes attributes, CancellationToken cancellationToken)
    {
        LocalFileSystem.ApplyToDescriptor(Fd, attributes, path, sizeDone: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask FsyncAsync(CancellationToken cancellationToken)
    {
        if (LibC.fsync(Fd) < 0) throw LibC.LastError(path);
        return ValueTask.CompletedTask;
    }

    public ValueTask<SftpStatVfs> StatVfsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(LocalFileSystem.StatVfs(Fd, path));

    public ValueTask DisposeAsync()
    {
        file.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>An open local directory, read with readdir(3) and each entry stat'ed (not following links) relative
/// to the directory's descriptor.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class LocalDirectoryHandle : ISftpDirectoryHandle
{
    private const int BatchSize = 128;
    private readonly int _fd;
    private readonly nint _dir;
    private readonly UserDatabase _users;
    private bool _closed;

    public LocalDirectoryHandle(int fd, string path, UserDatabase users)
    {
        _fd = fd;
        _users = users;
        // fdopendir takes the descriptor it is given: hand it a duplicate and keep ours for statx.
        int dup = LibC.dup(fd);
        _dir = dup < 0 ? 0 : LibC.fdopendir(dup);
        if (_dir == 0)
        {
            SftpException error = LibC.LastError(path);
            if (dup >= 0) LibC.close(dup);
            LibC.close(fd);
            throw error;
        }
    }

    public unsafe ValueTask<IReadOnlyList<SftpAttributes>> ReadAsync(CancellationToken cancellationToken)
    {
        var entries = new List<SftpAttributes>(BatchSize);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        while (entries.Count < BatchSize)
        {
            Marshal.SetLastPInvokeError(0);
            nint entry = LibC.readdir(_dir);
            if (entry == 0) break;
            // struct dirent on 64-bit Linux: d_ino (8), d_off (8), d_reclen (2), d_type (1), then d_name.
            string name = Marshal.PtrToStringUTF8(entry + 19) ?? "";
            SftpAttributes attributes;
            uint links;
            try
            {
                attributes = LocalFileSystem.StatX(_fd, name, LibC.AT_SYMLINK_NOFOLLOW, out links);
            }
            catch (SftpException)
            {
                continue; // removed since readdir saw it
            }
            attributes.FileName = name;
            attributes.LongName = attributes.FormatLongName(name, _users.UserName(attributes.Uid ?? 0), _users.GroupName(attributes.Gid ?? 0), (int)links, now);
            entries.Add(attributes);
        }
        return ValueTask.FromResult<IReadOnlyList<SftpAttributes>>(entries);
    }

    public ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            _closed = true;
            LibC.closedir(_dir);
            LibC.close(_fd);
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>User and group names from /etc/passwd and /etc/group, read once.</summary>
internal sealed class UserDatabase
{
    private readonly Lazy<(Dictionary<uint, string> Users, Dictionary<uint, string> Groups, Dictionary<string, string> Homes)> _data = new(Load);

    public string? UserName(uint uid) => _data.Value.Users.GetValueOrDefault(uid);

    public string? GroupName(uint gid) => _data.Value.Groups.GetValueOrDefault(gid);

    public string? HomeOf(string user) => _data.Value.Homes.GetValueOrDefault(user);

    private static (Dictionary<uint, string>, Dictionary<uint, string>, Dictionary<string, string>) Load()
    {
        var users = new Dictionary<uint, string>();
        var groups = new Dictionary<uint, string>();
        var homes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string[] f in Lines("/etc/passwd"))
        {
            if (f.Length >= 6 && uint.TryParse(f[2], out uint uid))
            {
                users.TryAdd(uid, f[0]);
                homes.TryAdd(f[0], f[5]);
            }
        }
        foreach (string[] f in Lines("/etc/group"))
        {
            if (f.Length >= 3 && uint.TryParse(f[2], out uint gid)) groups.TryAdd(gid, f[0]);
        }
        return (users, groups, homes);
    }

    private static IEnumerable<string[]> Lines(string file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string line in lines) yield return line.Split(':');
    }
}
