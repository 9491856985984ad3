using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

/// <summary>
/// A directory of this machine as an <see cref="ISftpFileSystem"/> (Linux). As a jail (<see cref="CreateJail"/>),
/// the directory is "/" and nothing leads out of it: ".." stops at the root, absolute paths start there, and every
/// path is resolved by the kernel beneath the root's descriptor (openat2's RESOLVE_BENEATH), so a symbolic link
/// that points outside, by an absolute or a relative target, is refused with PERMISSION_DENIED however it was
/// made, even while another process swaps links. New symbolic links must point inside. Without a jail
/// (<see cref="ForCurrentUser"/>) it serves the whole file system from the user's home, as sshd's sftp-server does.
/// Reads and writes are positional and run on the thread pool, so requests never wait behind one another.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LocalFileSystem : ISftpFileSystem, IDisposable
{
    private readonly SafeFileHandle _root;
    private readonly string _rootPath;
    private readonly bool _jail;
    private readonly UserDatabase _users = new();
    private bool _openat2 = true;

    private LocalFileSystem(string root, bool jail, string home)
    {
        _rootPath = Path.GetFullPath(root).TrimEnd('/');
        if (_rootPath.Length == 0) _rootPath = "/";
        int fd = LibC.openat(LibC.AT_FDCWD, _rootPath, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw new DirectoryNotFoundException($"Cannot serve {_rootPath}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        _root = new SafeFileHandle(fd, ownsHandle: true);
        _rootPath = new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? _rootPath;
        _jail = jail;
        HomeDirectory = home;
    }

    /// <summary>Serves <paramref name="root"/> as "/", with no way out.</summary>
    public static LocalFileSystem CreateJail(string root) => new(root, jail: true, "/");

    /// <summary>Serves the whole file system, relative paths starting at the user's home directory (or
    /// <paramref name="home"/>).</summary>
    public static LocalFileSystem ForCurrentUser(string? home = null)
    {
        home ??= Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h && Directory.Exists(h) ? h : "/";
        return new LocalFileSystem("/", jail: false, SftpPath.Normalize("/", home));
    }

    /// <summary>For tests: false resolves paths without openat2, as on a kernel that lacks it.</summary>
    internal bool UseOpenat2
    {
        get => _openat2;
        set => _openat2 = value;
    }

    /// <summary>The served directory on this machine.</summary>
    public string Root => _rootPath;

    /// <inheritdoc/>
    public string HomeDirectory { get; }

    // ---- resolving ----------------------------------------------------------------------------------------

    private static string Relative(string path) => path == "/" ? "." : path.TrimStart('/');

    /// <summary>Opens <paramref name="path"/> beneath the root (following links that stay inside).</summary>
    private int Open(string path, int flags, uint mode = 0)
    {
        int fd;
        if (_jail && _openat2)
        {
            var how = new LibC.OpenHow
            {
                Flags = (ulong)(uint)(flags | LibC.O_CLOEXEC), Mode = (flags & LibC.O_CREAT) != 0 ? mode : 0, // openat2 refuses a mode without O_CREAT
                Resolve = LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_MAGICLINKS,
            };
            fd = LibC.OpenAt2(_root.DangerousGetHandle().ToInt32(), Relative(path), ref how);
            if (fd >= 0) return fd;
            int errno = Marshal.GetLastPInvokeError();
            if (errno is not (LibC.ENOSYS or LibC.EPERM) || _openat2 == false) throw LibC.Error(errno, path);
            if (errno == LibC.EPERM && ProbeOpenat2()) throw LibC.Error(errno, path);
            _openat2 = false; // a kernel (or a seccomp filter) without openat2: check where each open landed instead
        }
        if (_jail && (flags & LibC.O_CREAT) != 0 && path != "/")
        {
            // Without openat2 a create must not follow a last link out of the root before the check below could
            // see it: create inside the checked parent, never through a link.
            var (directory, name) = OpenParent(path);
            using (directory) fd = LibC.openat(Fd(directory), name, flags | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, mode);
        }
        else
        {
            fd = LibC.openat(_root.DangerousGetHandle().ToInt32(), Relative(path), flags | LibC.O_CLOEXEC, mode);
        }
        if (fd < 0) throw LibC.LastError(path);
        if (_jail && !Inside(fd))
        {
            LibC.close(fd);
            throw LibC.Error(LibC.EXDEV, path);
        }
        return fd;
    }

    /// <summary>Whether openat2 works at all here (EPERM from a seccomp filter means it does not).</summary>
    private bool ProbeOpenat2()
    {
        var how = new LibC.OpenHow { Flags = (ulong)(LibC.O_PATH | LibC.O_CLOEXEC), Resolve = LibC.RESOLVE_BENEATH };
        int fd = LibC.OpenAt2(_root.DangerousGetHandle().ToInt32(), ".", ref how);
        if (fd >= 0) LibC.close(fd);
        return fd >= 0;
    }

    private bool Inside(int fd)
    {
        string? real = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        return real is not null && (_rootPath == "/" || real == _rootPath || real.StartsWith(_rootPath + "/", StringComparison.Ordinal));
    }

    /// <summary>The directory holding <paramref name="path"/>, opened beneath the root, and the last name in it.</summary>
    private (SafeFileHandle Directory, string Name) OpenParent(string path)
    {
        if (path == "/") throw new SftpException(SftpStatusCode.PermissionDenied, "Not permitted on the root directory");
        return (new SafeFileHandle(Open(SftpPath.Parent(path), LibC.O_PATH | LibC.O_DIRECTORY), true), SftpPath.Name(path));
    }

    private static int Fd(SafeFileHandle handle) => handle.DangerousGetHandle().ToInt32();

    private static void Check(int result, string path)
    {
        if (result < 0) throw LibC.LastError(path);
    }

    // ---- attributes ---------------------------------------------------------------------------------------

    /// <summary>statx into attributes; <paramref name="links"/> gets the link count for <c>ls -l</c>.</summary>
    internal static unsafe SftpAttributes StatX(int dirfd, string path, int flags, out uint links)
    {
        byte* buffer = stackalloc byte[256];
        if (LibC.statx(dirfd, path, flags, 0x7FF, buffer) < 0) throw LibC.LastError(path);
        links = *(uint*)(buffer + 16);
        return new SftpAttributes
        {
            Uid = *(uint*)(buffer + 20),
            Gid = *(uint*)(buffer + 24),
            Mode = *(ushort*)(buffer + 28),
            Size = (long)*(ulong*)(buffer + 40),
            ATime = (uint)Math.Clamp(*(long*)(buffer + 64), 0, uint.MaxValue),
            MTime = (uint)Math.Clamp(*(long*)(buffer + 112), 0, uint.MaxValue),
        };
    }

    /// <inheritdoc/>
    public ValueTask<SftpAttributes> StatAsync(string path, bool followLinks, CancellationToken cancellationToken)
    {
        if (followLinks)
        {
            using var file = new SafeFileHandle(Open(path, LibC.O_PATH), true);
            return ValueTask.FromResult(StatX(Fd(file), "", LibC.AT_EMPTY_PATH, out _));
        }
        if (path == "/") return ValueTask.FromResult(StatX(Fd(_root), "", LibC.AT_EMPTY_PATH, out _));
        var (directory, name) = OpenParent(path);
        using (directory) return ValueTask.FromResult(StatX(Fd(directory), name, LibC.AT_SYMLINK_NOFOLLOW, out _));
    }

    /// <inheritdoc/>
    public ValueTask SetStatAsync(string path, SftpAttributes attributes, bool followLinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (!followLinks && path != "/")
        {
            var (directory, name) = OpenParent(path);
            using (directory) ApplyAt(Fd(directory), name, LibC.AT_SYMLINK_NOFOLLOW, attributes, path);
            return ValueTask.CompletedTask;
        }
        if (attributes.Size is { } size)
        {
            using var writable = new SafeFileHandle(Open(path, LibC.O_WRONLY), true);
            Check(LibC.ftruncate(Fd(writable), size), path);
        }
        using var file = new SafeFileHandle(Open(path, LibC.O_PATH), true);
        ApplyToDescriptor(Fd(file), attributes, path, sizeDone: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Changes owner, permissions and times of an open file (an O_PATH one too, through /proc).</summary>
    internal static void ApplyToDescriptor(int fd, SftpAttributes attributes, string path, bool sizeDone)
    {
        if (!sizeDone && attributes.Size is { } size) Check(LibC.ftruncate(fd, size), path);
        if (attributes.Uid is { } uid && attributes.Gid is { } gid) Check(LibC.fchownat(fd, "", uid, gid, LibC.AT_EMPTY_PATH), path);
        // chmod has no AT_EMPTY_PATH: the descriptor's /proc link names exactly the file already opened.
        if (attributes.Mode is { } mode) Check(LibC.fchmodat(LibC.AT_FDCWD, $"/proc/self/fd/{fd}", mode & 0xFFF, 0), path);
        if (attributes.ATime is { } atime && attributes.MTime is { } mtime) SetTimes(fd, "", LibC.AT_EMPTY_PATH, atime, mtime, path);
    }

    private static void ApplyAt(int dirfd, string name, int flags, SftpAttributes attributes, string path)
    {
        if (attributes.Size is not null) throw new SftpException(SftpStatusCode.OpUnsupported, "lsetstat cannot change a size");
        if (attributes.Uid is { } uid && attributes.Gid is { } gid) Check(LibC.fchownat(dirfd, name, uid, gid, flags), path);
        if (attributes.Mode is { } mode) Check(LibC.fchmodat(dirfd, name, mode & 0xFFF, flags), path);
        if (attributes.ATime is { } atime && attributes.MTime is { } mtime) SetTimes(dirfd, name, flags, atime, mtime, path);
    }

    private static unsafe void SetTimes(int dirfd, string name, int flags, uint atime, uint mtime, string path)
    {
        long* times = stackalloc long[4] { atime, 0, mtime, 0 };
        Check(LibC.utimensat(dirfd, name, times, flags), path);
    }

    // ---- files and directories ----------------------------------------------------------------------------

    /// <inheritdoc/>
    public ValueTask<ISftpFileHandle> OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        bool read = (flags & SftpOpenFlags.Read) != 0, write = (flags & SftpOpenFlags.Write) != 0;
        int open = read && write ? LibC.O_RDWR : write ? LibC.O_WRONLY : LibC.O_RDONLY;
        if ((flags & SftpOpenFlags.Create) != 0) open |= LibC.O_CREAT;
        if ((flags & SftpOpenFlags.Truncate) != 0) open |= LibC.O_TRUNC;
        if ((flags & SftpOpenFlags.Exclusive) != 0) open |= LibC.O_EXCL;
        if ((flags & SftpOpenFlags.Append) != 0) open |= LibC.O_APPEND;
        int fd = Open(path, open, (attributes.Mode ?? 0x1B6) & 0xFFF);
        return ValueTask.FromResult<ISftpFileHandle>(new LocalFileHandle(new SafeFileHandle(fd, ownsHandle: true), path));
    }

    /// <inheritdoc/>
    public ValueTask<ISftpDirectoryHandle> OpenDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        int fd = Open(path, LibC.O_RDONLY | LibC.O_DIRECTORY);
        return ValueTask.FromResult<ISftpDirectoryHandle>(new LocalDirectoryHandle(fd, path, _users));
    }

    /// <inheritdoc/>
    public ValueTask RemoveAsync(string path, CancellationToken cancellationToken) => AtParent(path, (dir, name) => LibC.unlinkat(dir, name, 0));

    /// <inheritdoc/>
    public ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken) =>
        AtParent(path, (dir, name) => LibC.unlinkat(dir, name, LibC.AT_REMOVEDIR));

    /// <inheritdoc/>
    public ValueTask MakeDirectoryAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken) =>
        AtParent(path, (dir, name) => LibC.mkdirat(dir, name, (attributes.Mode ?? 0x1FF) & 0xFFF));

    private ValueTask AtParent(string path, Func<int, string, int> call)
    {
        var (directory, name) = OpenParent(path);
        using (directory) Check(call(Fd(directory), name), path);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken)
    {
        var (from, fromName) = OpenParent(oldPath);
        using (from)
        {
            var (to, toName) = OpenParent(newPath);
            using (to)
            {
                if (LibC.renameat2(Fd(from), fromName, Fd(to), toName, replace ? 0 : LibC.RENAME_NOREPLACE) == 0) return ValueTask.CompletedTask;
                int errno = Marshal.GetLastPInvokeError();
                if (replace || errno != LibC.EINVAL) throw LibC.Error(errno, oldPath);
                // A file system without RENAME_NOREPLACE: check, then rename (OpenSSH falls back likewise).
                if (Exists(Fd(to), toName)) throw LibC.Error(LibC.EEXIST, newPath);
                Check(LibC.renameat2(Fd(from), fromName, Fd(to), toName, 0), oldPath);
                return ValueTask.CompletedTask;
            }
        }
    }

    private static unsafe bool Exists(int dirfd, string name)
    {
        byte* buffer = stackalloc byte[256];
        return LibC.statx(dirfd, name, LibC.AT_SYMLINK_NOFOLLOW, 0, buffer) == 0;
    }

    /// <inheritdoc/>
    public ValueTask HardlinkAsync(string existingPath, string newPath, CancellationToken cancellationToken)
    {
        var (from, fromName) = OpenParent(existingPath);
        using (from)
        {
            var (to, toName) = OpenParent(newPath);
            using (to) Check(LibC.linkat(Fd(from), fromName, Fd(to), toName, 0), newPath);
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public unsafe ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken)
    {
        var (directory, name) = OpenParent(path);
        using (directory)
        {
            byte* buffer = stackalloc byte[4096];
            nint n = LibC.readlinkat(Fd(directory), name, buffer, 4096);
            if (n < 0) throw LibC.LastError(path);
            return ValueTask.FromResult(System.Text.Encoding.UTF8.GetString(buffer, (int)n));
        }
    }

    /// <inheritdoc/>
    public ValueTask SymlinkAsync(string linkPath, string target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_jail) target = JailedTarget(SftpPath.Parent(linkPath), target);
        return AtParent(linkPath, (dir, name) => LibC.symlinkat(target, dir, name));
    }

    /// <summary>In a jail a link must point inside: an absolute target is taken inside the root and stored relative
    /// to the link (so it works from the real file system too); a relative one must not climb out.</summary>
    internal static string JailedTarget(string linkDirectory, string target)
    {
        if (target.Length == 0) throw new SftpException(SftpStatusCode.BadMessage, "An empty link target");
        if (target.StartsWith('/'))
        {
            string[] from = linkDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries);
            string[] to = SftpPath.Normalize("/", target).Split('/', StringSplitOptions.RemoveEmptyEntries);
            int common = 0;
            while (common < from.Length && common < to.Length && from[common] == to[common]) common++;
            var parts = Enumerable.Repeat("..", from.Length - common).Concat(to.Skip(common)).ToList();
            return parts.Count == 0 ? "." : string.Join('/', parts);
        }
        int depth = linkDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        foreach (string part in target.Split('/'))
        {
            if (part == "..") depth--;
            else if (part is not ("" or ".")) depth++;
            if (depth < 0) throw new SftpException(SftpStatusCode.PermissionDenied, "Permission denied (the link would point outside the served directory)");
        }
        return target;
    }

    /// <inheritdoc/>
    public ValueTask<string> RealPathAsync(string path, CancellationToken cancellationToken)
    {
        int fd;
        try
        {
            fd = Open(path, LibC.O_PATH);
        }
        catch (SftpException e) when (e.Code == SftpStatusCode.NoSuchFile && path != "/")
        {
            // A name that does not exist yet (the target of an upload): its directory must.
            string parent = RealPathAsync(SftpPath.Parent(path), cancellationToken).Result;
            return ValueTask.FromResult(SftpPath.Combine(parent, SftpPath.Name(path)));
        }
        try
        {
            string real = new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? throw LibC.Error(LibC.ENOENT, path);
            if (_rootPath == "/") return ValueTask.FromResult(real);
            return ValueTask.FromResult(real == _rootPath ? "/" : real[_rootPath.Length..]);
        }
        finally
        {
            LibC.close(fd);
        }
    }

    /// <inheritdoc/>
    public ValueTask<SftpStatVfs> StatVfsAsync(string path, CancellationToken cancellationToken)
    {
        using var file = new SafeFileHandle(Open(path, LibC.O_PATH), true);
        return ValueTask.FromResult(StatVfs(Fd(file), path));
    }

    internal static unsafe SftpStatVfs StatVfs(int fd, string path)
    {
        ulong* v = stackalloc ulong[16];
        if (LibC.fstatvfs(fd, v) < 0) throw LibC.LastError(path);
        return new SftpStatVfs(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }

    /// <inheritdoc/>
    public ValueTask<string> GetHomeDirectoryAsync(string? user, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(user) || user == Environment.UserName) return ValueTask.FromResult(HomeDirectory);
        if (_jail) throw new SftpException(SftpStatusCode.NoSuchFile, $"No home directory for {user} here");
        return ValueTask.FromResult(_users.HomeOf(user) ?? throw new SftpException(SftpStatusCode.NoSuchFile, $"No such user {user}"));
    }

    /// <inheritdoc/>
    public string? GetUserName(uint uid) => _users.UserName(uid);

    /// <inheritdoc/>
    public string? GetGroupName(uint gid) => _users.GroupName(gid);

    /// <summary>Closes the root directory's descriptor.</summary>
    public void Dispose() => _root.Dispose();
}
