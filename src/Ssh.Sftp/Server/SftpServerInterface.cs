using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

/// <summary>
/// paramiko's <c>SFTPServerInterface</c>, for users who serve their own storage: override the callbacks you support;
/// the rest answer OP_UNSUPPORTED, as in paramiko. Callbacks that only succeed or fail return a status
/// (<see cref="SftpStatusCode.Ok"/> on success); the others return their value and fail by throwing an
/// <see cref="SftpException"/> with the status to send (paramiko returns the code instead). Paths arrive absolute
/// and normalized. Callbacks run on the thread pool, several at once: make them thread-safe.
/// </summary>
public abstract class SftpServerInterface : ISftpFileSystem
{
    private static SftpException Unsupported() => new(SftpStatusCode.OpUnsupported, "Operation unsupported");

    /// <summary>paramiko's <c>open(path, flags, attr)</c>: the handle for an opened file.</summary>
    public virtual SftpHandle Open(string path, SftpOpenFlags flags, SftpAttributes attributes) => throw Unsupported();

    /// <summary>paramiko's <c>list_folder(path)</c>: every entry, each with <see cref="SftpAttributes.FileName"/> set.</summary>
    public virtual IEnumerable<SftpAttributes> ListFolder(string path) => throw Unsupported();

    /// <summary>paramiko's <c>stat(path)</c>, following links.</summary>
    public virtual SftpAttributes Stat(string path) => throw Unsupported();

    /// <summary>paramiko's <c>lstat(path)</c>, not following a last link.</summary>
    public virtual SftpAttributes LStat(string path) => Stat(path);

    /// <summary>paramiko's <c>remove(path)</c>.</summary>
    public virtual SftpStatusCode Remove(string path) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>rename(oldpath, newpath)</c>: must fail when <paramref name="newPath"/> exists.</summary>
    public virtual SftpStatusCode Rename(string oldPath, string newPath) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>posix_rename(oldpath, newpath)</c>: replaces <paramref name="newPath"/>.</summary>
    public virtual SftpStatusCode PosixRename(string oldPath, string newPath) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>mkdir(path, attr)</c>.</summary>
    public virtual SftpStatusCode Mkdir(string path, SftpAttributes attributes) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>rmdir(path)</c>.</summary>
    public virtual SftpStatusCode Rmdir(string path) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>chattr(path, attr)</c>: changes what is set in <paramref name="attributes"/>.</summary>
    public virtual SftpStatusCode Chattr(string path, SftpAttributes attributes) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>canonicalize(path)</c>; by default the normalized path as it came.</summary>
    public virtual string Canonicalize(string path) => path;

    /// <summary>paramiko's <c>readlink(path)</c>.</summary>
    public virtual string ReadLink(string path) => throw Unsupported();

    /// <summary>paramiko's <c>symlink(target_path, path)</c>.</summary>
    public virtual SftpStatusCode Symlink(string targetPath, string path) => SftpStatusCode.OpUnsupported;

    /// <inheritdoc/>
    public virtual string HomeDirectory => "/";

    // ---- ISftpFileSystem, over the callbacks ---------------------------------------------------------------

    private static ValueTask Check(SftpStatusCode code, string path) =>
        code == SftpStatusCode.Ok ? ValueTask.CompletedTask : throw new SftpException(code, $"{SftpException.Describe(code)}: {path}");

    ValueTask<string> ISftpFileSystem.RealPathAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(Canonicalize(path));

    ValueTask<SftpAttributes> ISftpFileSystem.StatAsync(string path, bool followLinks, CancellationToken cancellationToken) =>
        ValueTask.FromResult(followLinks ? Stat(path) : LStat(path));

    ValueTask ISftpFileSystem.SetStatAsync(string path, SftpAttributes attributes, bool followLinks, CancellationToken cancellationToken) =>
        Check(Chattr(path, attributes), path);

    ValueTask<ISftpFileHandle> ISftpFileSystem.OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISftpFileHandle>(Open(path, flags, attributes));

    ValueTask<ISftpDirectoryHandle> ISftpFileSystem.OpenDirectoryAsync(string path, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISftpDirectoryHandle>(new ListedDirectory([.. ListFolder(path)]));

    ValueTask ISftpFileSystem.RemoveAsync(string path, CancellationToken cancellationToken) => Check(Remove(path), path);

    ValueTask ISftpFileSystem.MakeDirectoryAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken) => Check(Mkdir(path, attributes), path);

    ValueTask ISftpFileSystem.RemoveDirectoryAsync(string path, CancellationToken cancellationToken) => Check(Rmdir(path), path);

    ValueTask ISftpFileSystem.RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken) =>
        Check(replace ? PosixRename(oldPath, newPath) : Rename(oldPath, newPath), oldPath);

    ValueTask<string> ISftpFileSystem.ReadLinkAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(ReadLink(path));

    ValueTask ISftpFileSystem.SymlinkAsync(string linkPath, string target, CancellationToken cancellationToken) => Check(Symlink(target, linkPath), linkPath);

    ValueTask ISftpFileSystem.HardlinkAsync(string existingPath, string newPath, CancellationToken cancellationToken) => throw Unsupported();

    ValueTask<SftpStatVfs> ISftpFileSystem.StatVfsAsync(string path, CancellationToken cancellationToken) => throw Unsupported();

    ValueTask<string> ISftpFileSystem.GetHomeDirectoryAsync(string? user, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(user) ? ValueTask.FromResult(HomeDirectory) : throw new SftpException(SftpStatusCode.NoSuchFile, $"No such user {user}");

    /// <inheritdoc/>
    public virtual string? GetUserName(uint uid) => null;

    /// <inheritdoc/>
    public virtual string? GetGroupName(uint gid) => null;
}

/// <summary>paramiko's <c>SFTPHandle</c>: an open file of an <see cref="SftpServerInterface"/>. Override what the
/// file supports; the rest answer OP_UNSUPPORTED. Reads and writes carry their offset and may run concurrently.</summary>
public abstract class SftpHandle : ISftpFileHandle
{
    /// <summary>paramiko's <c>read(offset, length)</c>: up to <paramref name="length"/> bytes; empty at the end.</summary>
    public virtual byte[] Read(long offset, int length) => throw new SftpException(SftpStatusCode.OpUnsupported, "Reading is not supported");

    /// <summary>paramiko's <c>write(offset, data)</c>.</summary>
    public virtual SftpStatusCode Write(long offset, ReadOnlyMemory<byte> data) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>stat()</c>.</summary>
    public virtual SftpAttributes Stat() => throw new SftpException(SftpStatusCode.OpUnsupported, "Operation unsupported");

    /// <summary>paramiko's <c>chattr(attr)</c>.</summary>
    public virtual SftpStatusCode Chattr(SftpAttributes attributes) => SftpStatusCode.OpUnsupported;

    /// <summary>paramiko's <c>close()</c>.</summary>
    public virtual void Close() { }

    ValueTask<int> ISftpFileHandle.ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        byte[] data = Read(offset, buffer.Length);
        int n = Math.Min(data.Length, buffer.Length);
        data.AsSpan(0, n).CopyTo(buffer.Span);
        return ValueTask.FromResult(n);
    }

    ValueTask ISftpFileHandle.WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Ok(Write(offset, data));

    ValueTask<SftpAttributes> ISftpFileHandle.StatAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Stat());

    ValueTask ISftpFileHandle.SetStatAsync(SftpAttributes attributes, CancellationToken cancellationToken) => Ok(Chattr(attributes));

    ValueTask ISftpFileHandle.FsyncAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask<SftpStatVfs> ISftpFileHandle.StatVfsAsync(CancellationToken cancellationToken) =>
        throw new SftpException(SftpStatusCode.OpUnsupported, "Operation unsupported");

    ValueTask IAsyncDisposable.DisposeAsync()
    {
        Close();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    private static ValueTask Ok(SftpStatusCode code) =>
        code == SftpStatusCode.Ok ? ValueTask.CompletedTask : throw new SftpException(code, SftpException.Describe(code));
}
