using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

/// <summary>
/// What the SFTP server subsystem serves: a file system seen through absolute, normalized paths ("/" separated,
/// no "." or ".." parts, no NUL). The server turns every exception into an SSH_FXP_STATUS:
/// <see cref="SftpException"/> with its code, <see cref="FileNotFoundException"/> and
/// <see cref="DirectoryNotFoundException"/> as NO_SUCH_FILE, <see cref="UnauthorizedAccessException"/> as
/// PERMISSION_DENIED, <see cref="NotSupportedException"/> as OP_UNSUPPORTED, anything else as FAILURE.
/// Implementations: <see cref="LocalFileSystem"/> (a directory of this machine, optionally as a jail) and
/// <see cref="MemoryFileSystem"/>.
/// </summary>
public interface ISftpFileSystem
{
    /// <summary>Where relative paths start (the user's home directory, "/" in a jail).</summary>
    string HomeDirectory { get; }

    /// <summary>REALPATH: <paramref name="path"/> with symbolic links resolved; a missing last part is kept as given.</summary>
    ValueTask<string> RealPathAsync(string path, CancellationToken cancellationToken);

    /// <summary>STAT (<paramref name="followLinks"/>) or LSTAT.</summary>
    ValueTask<SftpAttributes> StatAsync(string path, bool followLinks, CancellationToken cancellationToken);

    /// <summary>SETSTAT (<paramref name="followLinks"/>) or lsetstat@openssh.com: changes the fields that are set.</summary>
    ValueTask SetStatAsync(string path, SftpAttributes attributes, bool followLinks, CancellationToken cancellationToken);

    /// <summary>OPEN: a file with the draft's flags; <paramref name="attributes"/> gives a new file's permissions.</summary>
    ValueTask<ISftpFileHandle> OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken);

    /// <summary>OPENDIR.</summary>
    ValueTask<ISftpDirectoryHandle> OpenDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>REMOVE: a file or a symbolic link, never a directory.</summary>
    ValueTask RemoveAsync(string path, CancellationToken cancellationToken);

    /// <summary>MKDIR with the permissions in <paramref name="attributes"/> (0777 less the umask when unset).</summary>
    ValueTask MakeDirectoryAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken);

    /// <summary>RMDIR: an empty directory.</summary>
    ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken);

    /// <summary>RENAME: fails when <paramref name="newPath"/> exists unless <paramref name="replace"/>
    /// (posix-rename@openssh.com), which replaces it atomically.</summary>
    ValueTask RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken);

    /// <summary>READLINK: a link's target, as stored.</summary>
    ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken);

    /// <summary>SYMLINK: creates <paramref name="linkPath"/> pointing at <paramref name="target"/> (as given by
    /// the client: relative to the link's directory, or absolute).</summary>
    ValueTask SymlinkAsync(string linkPath, string target, CancellationToken cancellationToken);

    /// <summary>hardlink@openssh.com: <paramref name="newPath"/> becomes another name of <paramref name="existingPath"/>.</summary>
    ValueTask HardlinkAsync(string existingPath, string newPath, CancellationToken cancellationToken);

    /// <summary>statvfs@openssh.com.</summary>
    ValueTask<SftpStatVfs> StatVfsAsync(string path, CancellationToken cancellationToken);

    /// <summary>The home directory of <paramref name="user"/> (home-directory, expand-path's <c>~user</c>), or of
    /// the session's user when null or empty.</summary>
    ValueTask<string> GetHomeDirectoryAsync(string? user, CancellationToken cancellationToken);

    /// <summary>The name of a numeric user id, or null (for <c>ls -l</c> lines and users-groups-by-id).</summary>
    string? GetUserName(uint uid);

    /// <summary>The name of a numeric group id, or null.</summary>
    string? GetGroupName(uint gid);
}

/// <summary>An open file of an <see cref="ISftpFileSystem"/>. The server may run several reads (or several writes
/// to different ranges) of one handle at once, so reads and writes take their offset and share no position.</summary>
public interface ISftpFileHandle : IAsyncDisposable
{
    /// <summary>Reads at <paramref name="offset"/>; fewer bytes than asked near the end, 0 at or past it.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> (at the end for a file opened
    /// with <see cref="SftpOpenFlags.Append"/>).</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>FSTAT.</summary>
    ValueTask<SftpAttributes> StatAsync(CancellationToken cancellationToken);

    /// <summary>FSETSTAT.</summary>
    ValueTask SetStatAsync(SftpAttributes attributes, CancellationToken cancellationToken);

    /// <summary>fsync@openssh.com.</summary>
    ValueTask FsyncAsync(CancellationToken cancellationToken);

    /// <summary>fstatvfs@openssh.com.</summary>
    ValueTask<SftpStatVfs> StatVfsAsync(CancellationToken cancellationToken);
}

/// <summary>An open directory of an <see cref="ISftpFileSystem"/>.</summary>
public interface ISftpDirectoryHandle : IAsyncDisposable
{
    /// <summary>The next entries (each with <see cref="SftpAttributes.FileName"/> set, not following links), or an
    /// empty list at the end.</summary>
    ValueTask<IReadOnlyList<SftpAttributes>> ReadAsync(CancellationToken cancellationToken);
}
