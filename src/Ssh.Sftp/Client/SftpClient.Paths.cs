using System.Runtime.CompilerServices;
using Ssh.Sftp.Client;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

// paramiko's path operations (draft-ietf-secsh-filexfer-02 §6.5–6.10). Each async method has a blocking twin.
public sealed partial class SftpClient
{
    /// <summary>paramiko's <c>stat</c>: the attributes of <paramref name="path"/>, following symbolic links.</summary>
    public async Task<SftpAttributes> StatAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        return SftpReplies.Attributes(await PathRequestAsync(SftpPacketType.Stat, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>stat</c>.</summary>
    public SftpAttributes Stat(string path) => StatAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>lstat</c>: the attributes of <paramref name="path"/> itself, not of a link's target.</summary>
    public async Task<SftpAttributes> LStatAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        return SftpReplies.Attributes(await PathRequestAsync(SftpPacketType.LStat, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>lstat</c>.</summary>
    public SftpAttributes LStat(string path) => LStatAsync(path).GetAwaiter().GetResult();

    /// <summary>Whether <paramref name="path"/> exists (a STAT that does not fail with NO_SUCH_FILE).</summary>
    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            await StatAsync(path, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="path"/> exists.</summary>
    public bool Exists(string path) => ExistsAsync(path).GetAwaiter().GetResult();

    /// <summary>SETSTAT: changes the attributes that are set in <paramref name="attributes"/>.</summary>
    public async Task SetStatAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        path = Adjust(path);
        SftpReplies.Status(await RequestAsync(SftpPacketType.SetStat, (path, attributes), static (ref SftpPacketWriter w, (string Path, SftpAttributes Attributes) s) =>
        {
            w.WriteString(s.Path);
            s.Attributes.Write(ref w);
        }, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>SETSTAT, blocking.</summary>
    public void SetStat(string path, SftpAttributes attributes) => SetStatAsync(path, attributes).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>chmod</c>: sets the permission bits (e.g. <c>0o644</c> as <c>Convert.ToUInt32("644", 8)</c>).</summary>
    public Task ChmodAsync(string path, uint mode, CancellationToken cancellationToken = default) =>
        SetStatAsync(path, new SftpAttributes { Mode = mode }, cancellationToken);

    /// <summary>paramiko's <c>chmod</c>.</summary>
    public void Chmod(string path, uint mode) => ChmodAsync(path, mode).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>chown</c>: sets the numeric owner and group.</summary>
    public Task ChownAsync(string path, uint uid, uint gid, CancellationToken cancellationToken = default) =>
        SetStatAsync(path, new SftpAttributes { Uid = uid, Gid = gid }, cancellationToken);

    /// <summary>paramiko's <c>chown</c>.</summary>
    public void Chown(string path, uint uid, uint gid) => ChownAsync(path, uid, gid).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>utime</c>: sets access and modification times; null sets both to now.</summary>
    public Task UtimeAsync(string path, (DateTimeOffset Access, DateTimeOffset Modified)? times, CancellationToken cancellationToken = default)
    {
        var (access, modified) = times ?? (DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        return SetStatAsync(path, new SftpAttributes { ATime = ToUnix(access), MTime = ToUnix(modified) }, cancellationToken);
    }

    /// <summary>paramiko's <c>utime</c>.</summary>
    public void Utime(string path, (DateTimeOffset Access, DateTimeOffset Modified)? times) => UtimeAsync(path, times).GetAwaiter().GetResult();

    internal static uint ToUnix(DateTimeOffset time) => (uint)Math.Clamp(time.ToUnixTimeSeconds(), 0, uint.MaxValue);

    /// <summary>paramiko's <c>truncate</c>: sets the file's size.</summary>
    public Task TruncateAsync(string path, long size, CancellationToken cancellationToken = default) =>
        SetStatAsync(path, new SftpAttributes { Size = size }, cancellationToken);

    /// <summary>paramiko's <c>truncate</c>.</summary>
    public void Truncate(string path, long size) => TruncateAsync(path, size).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>rename</c> (SFTP v3 RENAME: fails when <paramref name="newPath"/> exists; see
    /// <see cref="PosixRenameAsync"/> to replace it).</summary>
    public async Task RenameAsync(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        oldPath = Adjust(oldPath);
        newPath = Adjust(newPath);
        SftpReplies.Status(await RequestAsync(SftpPacketType.Rename, (oldPath, newPath), WriteTwoPaths, cancellationToken).ConfigureAwait(false), oldPath);
    }

    /// <summary>paramiko's <c>rename</c>.</summary>
    public void Rename(string oldPath, string newPath) => RenameAsync(oldPath, newPath).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>posix_rename</c> (posix-rename@openssh.com): replaces <paramref name="newPath"/>
    /// atomically when it exists, as rename(2) does.</summary>
    public async Task PosixRenameAsync(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        RequireExtension(SftpExtensionNames.PosixRename);
        oldPath = Adjust(oldPath);
        newPath = Adjust(newPath);
        SftpReplies.Status(await ExtendedAsync(SftpExtensionNames.PosixRename, (oldPath, newPath), WriteTwoPaths, cancellationToken).ConfigureAwait(false), oldPath);
    }

    /// <summary>paramiko's <c>posix_rename</c>.</summary>
    public void PosixRename(string oldPath, string newPath) => PosixRenameAsync(oldPath, newPath).GetAwaiter().GetResult();

    internal static void WriteTwoPaths(ref SftpPacketWriter w, (string First, string Second) paths)
    {
        w.WriteString(paths.First);
        w.WriteString(paths.Second);
    }

    /// <summary>paramiko's <c>mkdir</c>, with permission bits (default 0777, less the server's umask).</summary>
    public async Task MkdirAsync(string path, uint mode = 0x1FF, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        SftpReplies.Status(await RequestAsync(SftpPacketType.MkDir, (path, mode), static (ref SftpPacketWriter w, (string Path, uint Mode) s) =>
        {
            w.WriteString(s.Path);
            new SftpAttributes { Mode = s.Mode }.Write(ref w);
        }, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>mkdir</c>.</summary>
    public void Mkdir(string path, uint mode = 0x1FF) => MkdirAsync(path, mode).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>rmdir</c>: removes an empty directory.</summary>
    public async Task RmdirAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        SftpReplies.Status(await PathRequestAsync(SftpPacketType.RmDir, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>rmdir</c>.</summary>
    public void Rmdir(string path) => RmdirAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>remove</c>: removes a file (not a directory).</summary>
    public async Task RemoveAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        SftpReplies.Status(await PathRequestAsync(SftpPacketType.Remove, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>remove</c>.</summary>
    public void Remove(string path) => RemoveAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>unlink</c>, the same as <see cref="RemoveAsync"/>.</summary>
    public Task UnlinkAsync(string path, CancellationToken cancellationToken = default) => RemoveAsync(path, cancellationToken);

    /// <summary>paramiko's <c>unlink</c>.</summary>
    public void Unlink(string path) => Remove(path);

    /// <summary>paramiko's <c>symlink(source, dest)</c>: creates <paramref name="dest"/> pointing at
    /// <paramref name="source"/>. OpenSSH's server takes the two in the opposite order to the draft, and so does
    /// this request when the server is OpenSSH (PROTOCOL §3.1).</summary>
    public async Task SymlinkAsync(string source, string dest, CancellationToken cancellationToken = default)
    {
        dest = Adjust(dest);
        // The draft says linkpath, targetpath; OpenSSH (and we, and paramiko's peers) send target first.
        SftpReplies.Status(await RequestAsync(SftpPacketType.Symlink, (source, dest), WriteTwoPaths, cancellationToken).ConfigureAwait(false), dest);
    }

    /// <summary>paramiko's <c>symlink</c>.</summary>
    public void Symlink(string source, string dest) => SymlinkAsync(source, dest).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>readlink</c>: a symbolic link's target.</summary>
    public async Task<string> ReadLinkAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        return SftpReplies.SingleName(await PathRequestAsync(SftpPacketType.ReadLink, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>readlink</c>.</summary>
    public string ReadLink(string path) => ReadLinkAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>normalize</c>: the server's canonical absolute form of <paramref name="path"/> (REALPATH).</summary>
    public async Task<string> NormalizeAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        return SftpReplies.SingleName(await PathRequestAsync(SftpPacketType.RealPath, path, cancellationToken).ConfigureAwait(false), path);
    }

    /// <summary>paramiko's <c>normalize</c>.</summary>
    public string Normalize(string path) => NormalizeAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>chdir</c>: later relative paths are taken from <paramref name="path"/> (null: the
    /// server's default again). Fails when it is not a directory.</summary>
    public async Task ChdirAsync(string? path, CancellationToken cancellationToken = default)
    {
        if (path is null)
        {
            _cwd = null;
            return;
        }
        SftpAttributes attributes = await StatAsync(path, cancellationToken).ConfigureAwait(false);
        if (!attributes.IsDirectory) throw new SftpException(SftpStatusCode.Failure, $"{path}: not a directory.");
        _cwd = await NormalizeAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>paramiko's <c>chdir</c>.</summary>
    public void Chdir(string? path) => ChdirAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>getcwd</c>: the directory set by <see cref="Chdir"/>, or null.</summary>
    public string? GetCwd() => _cwd;

    // ---- directories ---------------------------------------------------------------------------------------

    /// <summary>paramiko's <c>listdir_iter</c>: the entries of a directory as the server sends them, batch by batch
    /// ("." and ".." left out).</summary>
    public async IAsyncEnumerable<SftpAttributes> ListDirIterAsync(string path = ".", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        path = Adjust(path);
        byte[] handle = SftpReplies.Handle(await PathRequestAsync(SftpPacketType.OpenDir, path, cancellationToken).ConfigureAwait(false), path);
        try
        {
            while (SftpReplies.Names(await HandleRequestAsync(SftpPacketType.ReadDir, handle, cancellationToken).ConfigureAwait(false), path) is { } batch)
            {
                foreach (SftpAttributes entry in batch)
                    if (entry.FileName is not ("." or "..")) yield return entry;
            }
        }
        finally
        {
            await CloseHandleAsync(handle, path, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>paramiko's <c>listdir_iter</c>, blocking.</summary>
    public IEnumerable<SftpAttributes> ListDirIter(string path = ".") => ListDirIterAsync(path).ToBlockingEnumerable();

    /// <summary>paramiko's <c>listdir_attr</c>: every entry with its attributes.</summary>
    public async Task<List<SftpAttributes>> ListDirAttrAsync(string path = ".", CancellationToken cancellationToken = default)
    {
        var entries = new List<SftpAttributes>();
        await foreach (SftpAttributes entry in ListDirIterAsync(path, cancellationToken).ConfigureAwait(false)) entries.Add(entry);
        return entries;
    }

    /// <summary>paramiko's <c>listdir_attr</c>.</summary>
    public List<SftpAttributes> ListDirAttr(string path = ".") => ListDirAttrAsync(path).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>listdir</c>: the names in a directory.</summary>
    public async Task<List<string>> ListDirAsync(string path = ".", CancellationToken cancellationToken = default) =>
        [.. (await ListDirAttrAsync(path, cancellationToken).ConfigureAwait(false)).Select(e => e.FileName!)];

    /// <summary>paramiko's <c>listdir</c>.</summary>
    public List<string> ListDir(string path = ".") => ListDirAsync(path).GetAwaiter().GetResult();

    internal async Task CloseHandleAsync(byte[] handle, string? path, CancellationToken cancellationToken)
    {
        if (_pipe.IsClosed) return;
        SftpReplies.Status(await HandleRequestAsync(SftpPacketType.Close, handle, cancellationToken).ConfigureAwait(false), path);
    }
}
