using Microsoft.Win32.SafeHandles;
using Ssh.Sftp.Client;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

// Opening files, and the pipelined whole-file transfers (paramiko's get/put/getfo/putfo) with their
// directory-tree and resume variants.
public sealed partial class SftpClient
{
    /// <summary>paramiko's <c>open(filename, mode)</c>: mode as Python's: "r", "w" (create or truncate), "a"
    /// (append), "x" (create, fail if it exists), with "+" for both directions; "b" is accepted and ignored.</summary>
    public async Task<SftpFile> OpenAsync(string path, string mode = "r", uint? permissions = null, CancellationToken cancellationToken = default)
    {
        SftpOpenFlags flags = ParseMode(mode);
        path = Adjust(path);
        var attributes = new SftpAttributes { Mode = permissions };
        byte[] handle = SftpReplies.Handle(await RequestAsync(SftpPacketType.Open, (path, flags, attributes),
            static (ref SftpPacketWriter w, (string Path, SftpOpenFlags Flags, SftpAttributes Attributes) s) =>
            {
                w.WriteString(s.Path);
                w.WriteUInt32((uint)s.Flags);
                s.Attributes.Write(ref w);
            }, cancellationToken).ConfigureAwait(false), path);
        return new SftpFile(this, handle, path, flags);
    }

    /// <summary>paramiko's <c>open</c> (and <c>file</c>). <paramref name="bufsize"/> is accepted for paramiko's
    /// signature; writes are buffered in chunks of <see cref="WriteChunkSize"/>.</summary>
    public SftpFile Open(string path, string mode = "r", int bufsize = -1) => OpenAsync(path, mode).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>file</c>, the same as <see cref="Open"/>.</summary>
    public SftpFile File(string path, string mode = "r", int bufsize = -1) => Open(path, mode, bufsize);

    internal static SftpOpenFlags ParseMode(string mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        string m = mode.Replace("b", "", StringComparison.Ordinal).Replace("t", "", StringComparison.Ordinal);
        bool plus = m.Contains('+');
        SftpOpenFlags flags = m.TrimEnd('+') switch
        {
            "r" or "U" or "rU" => SftpOpenFlags.Read,
            "w" => SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate,
            "a" => SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Append,
            "x" => SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive,
            _ => throw new ArgumentException($"Unknown file mode '{mode}': use r, w, a or x, optionally with + and b.", nameof(mode)),
        };
        return plus ? flags | SftpOpenFlags.Read | SftpOpenFlags.Write : flags;
    }

    // ---- downloads -----------------------------------------------------------------------------------------

    /// <summary>paramiko's <c>get</c>: copies the remote file to <paramref name="localPath"/> with many READs in
    /// flight, writing each chunk at its offset as it arrives. <paramref name="callback"/> gets (bytes so far,
    /// total). With <paramref name="resume"/>, an existing local file is taken as the first part of the remote one
    /// and only the rest is fetched.</summary>
    public async Task GetAsync(string remotePath, string localPath, Action<long, long>? callback = null, bool resume = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        await using SftpFile remote = await OpenAsync(remotePath, "r", cancellationToken: cancellationToken).ConfigureAwait(false);
        long size = (await remote.StatAsync(cancellationToken).ConfigureAwait(false)).Size ?? -1;
        // Not O_TRUNC: ext4 flushes a file truncated to zero when it is closed (its auto_da_alloc), which in a get
        // into a new file is a writeback of the whole file started inside the call. Only an existing file with
        // content is cut, below, and pays that as before.
        await using var file = new FileStream(localPath, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read,
            Options = FileOptions.Asynchronous, BufferSize = 0,
        });
        long final;
        if (!file.CanSeek)
        {
            // A FIFO or a terminal (sshcs sftp get host:f /dev/stdout): the chunks go in order, as for GetFo.
            final = await SftpTransfer.DownloadAsync(this, remote.Handle, remote.Path, 0, size, new SftpTransfer.OrderedDestination(file, 0),
                callback, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            SafeFileHandle local = file.SafeFileHandle;
            if (!resume && RandomAccess.GetLength(local) > 0) RandomAccess.SetLength(local, 0);
            long start = resume ? RandomAccess.GetLength(local) : 0;
            if (size >= 0 && start > size) start = 0; // not a prefix of this file: fetch it all again
            final = await SftpTransfer.DownloadAsync(this, remote.Handle, remote.Path, start, size, new SftpTransfer.FileDestination(local),
                callback, cancellationToken).ConfigureAwait(false);
            // Only a local file longer than what came (a resume over a longer file) needs cutting; a device such as
            // /dev/null has no length to set.
            if (RandomAccess.GetLength(local) > final) RandomAccess.SetLength(local, final);
        }
        if (size >= 0 && final != size)
            throw new IOException($"size mismatch in get! {final} != {size}: {remote.Path} changed during the transfer.");
    }

    /// <summary>paramiko's <c>get</c>.</summary>
    public void Get(string remotePath, string localPath, Action<long, long>? callback = null, bool resume = false) =>
        GetAsync(remotePath, localPath, callback, resume).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>getfo</c>: copies the remote file into <paramref name="destination"/> (at its
    /// offsets when it can seek, in order otherwise); returns the bytes copied.</summary>
    public async Task<long> GetFoAsync(string remotePath, Stream destination, Action<long, long>? callback = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await using SftpFile remote = await OpenAsync(remotePath, "r", cancellationToken: cancellationToken).ConfigureAwait(false);
        long size = (await remote.StatAsync(cancellationToken).ConfigureAwait(false)).Size ?? -1;
        // A file at its start takes chunks at their offsets; anything else gets them in order.
        bool atOffsets = destination is FileStream { CanSeek: true, Position: 0 };
        if (atOffsets) await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        SftpTransfer.IDestination target = atOffsets
            ? new SftpTransfer.FileDestination(((FileStream)destination).SafeFileHandle)
            : new SftpTransfer.OrderedDestination(destination, 0);
        long final = await SftpTransfer.DownloadAsync(this, remote.Handle, remote.Path, 0, size, target, callback, cancellationToken).ConfigureAwait(false);
        if (atOffsets) destination.Position = final;
        return final;
    }

    /// <summary>paramiko's <c>getfo</c>.</summary>
    public long GetFo(string remotePath, Stream destination, Action<long, long>? callback = null) =>
        GetFoAsync(remotePath, destination, callback).GetAwaiter().GetResult();

    // ---- uploads -------------------------------------------------------------------------------------------

    /// <summary>paramiko's <c>put</c>: copies <paramref name="localPath"/> to the remote path with many WRITEs in
    /// flight. With <paramref name="confirm"/> the remote size is checked afterwards and its attributes returned.
    /// With <paramref name="resume"/>, an existing remote file is taken as the first part of the local one and only
    /// the rest is sent.</summary>
    public async Task<SftpAttributes> PutAsync(string localPath, string remotePath, Action<long, long>? callback = null, bool confirm = true,
        bool resume = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        using SafeFileHandle local = System.IO.File.OpenHandle(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        long size = RandomAccess.GetLength(local);
        long start = 0;
        if (resume)
        {
            try
            {
                start = (await StatAsync(remotePath, cancellationToken).ConfigureAwait(false)).Size ?? 0;
            }
            catch (FileNotFoundException)
            {
                start = 0;
            }
            if (start > size) start = 0;
        }
        long sent;
        await using (SftpFile remote = await OpenAsync(remotePath, start > 0 ? "r+" : "w", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            sent = await SftpTransfer.UploadAsync(this, remote.Handle, remote.Path, start, size, new SftpTransfer.FileSource(local), callback,
                cancellationToken).ConfigureAwait(false);
            if (start > 0) await remote.SetStatAsync(new SftpAttributes { Size = sent }, cancellationToken).ConfigureAwait(false);
        }
        return await ConfirmAsync(remotePath, sent, confirm, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>paramiko's <c>put</c>.</summary>
    public SftpAttributes Put(string localPath, string remotePath, Action<long, long>? callback = null, bool confirm = true, bool resume = false) =>
        PutAsync(localPath, remotePath, callback, confirm, resume).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>putfo</c>: copies what is left of <paramref name="source"/> to the remote path.
    /// <paramref name="fileSize"/> is only for the progress callback (0: unknown).</summary>
    public async Task<SftpAttributes> PutFoAsync(Stream source, string remotePath, long fileSize = 0, Action<long, long>? callback = null,
        bool confirm = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        long sent;
        await using (SftpFile remote = await OpenAsync(remotePath, "w", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            sent = await SftpTransfer.UploadAsync(this, remote.Handle, remote.Path, 0, fileSize > 0 ? fileSize : -1, new SftpTransfer.StreamSource(source),
                callback, cancellationToken).ConfigureAwait(false);
        }
        return await ConfirmAsync(remotePath, sent, confirm, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>paramiko's <c>putfo</c>.</summary>
    public SftpAttributes PutFo(Stream source, string remotePath, long fileSize = 0, Action<long, long>? callback = null, bool confirm = true) =>
        PutFoAsync(source, remotePath, fileSize, callback, confirm).GetAwaiter().GetResult();

    private async Task<SftpAttributes> ConfirmAsync(string remotePath, long sent, bool confirm, CancellationToken cancellationToken)
    {
        if (!confirm) return new SftpAttributes { Size = sent };
        SftpAttributes attributes = await StatAsync(remotePath, cancellationToken).ConfigureAwait(false);
        if (attributes.Size != sent) throw new IOException($"size mismatch in put! {attributes.Size} != {sent}");
        return attributes;
    }

    // ---- directory trees -----------------------------------------------------------------------------------

    /// <summary>Downloads the directory tree at <paramref name="remoteDirectory"/> into <paramref name="localDirectory"/>
    /// (created as needed). Symbolic links are followed as files; links to directories are skipped. With
    /// <paramref name="resume"/>, partly downloaded files continue where they stopped.</summary>
    public async Task GetDirectoryAsync(string remoteDirectory, string localDirectory, bool resume = false, Action<string>? onFile = null,
        CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(localDirectory);
        foreach (SftpAttributes entry in await ListDirAttrAsync(remoteDirectory, cancellationToken).ConfigureAwait(false))
        {
            string name = entry.FileName!;
            if (name.Contains('/') || name is "." or ".." or "") continue; // never write outside the target
            string remote = remoteDirectory.TrimEnd('/') + "/" + name;
            string local = System.IO.Path.Combine(localDirectory, name);
            SftpAttributes target = entry.IsSymbolicLink ? await StatAsync(remote, cancellationToken).ConfigureAwait(false) : entry;
            if (target.IsDirectory)
            {
                if (!entry.IsSymbolicLink) await GetDirectoryAsync(remote, local, resume, onFile, cancellationToken).ConfigureAwait(false);
            }
            else if (target.IsRegularFile)
            {
                onFile?.Invoke(remote);
                await GetAsync(remote, local, null, resume, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Downloads a directory tree, blocking.</summary>
    public void GetDirectory(string remoteDirectory, string localDirectory, bool resume = false) =>
        GetDirectoryAsync(remoteDirectory, localDirectory, resume).GetAwaiter().GetResult();

    /// <summary>Uploads the directory tree at <paramref name="localDirectory"/> to <paramref name="remoteDirectory"/>
    /// (created as needed). With <paramref name="resume"/>, partly uploaded files continue where they stopped.</summary>
    public async Task PutDirectoryAsync(string localDirectory, string remoteDirectory, bool resume = false, Action<string>? onFile = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            await MkdirAsync(remoteDirectory, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (SftpException)
        {
            // It may exist already; anything else is an error.
            if (!await IsDirectoryAsync(remoteDirectory, cancellationToken).ConfigureAwait(false)) throw;
        }
        foreach (FileSystemInfo entry in new DirectoryInfo(localDirectory).EnumerateFileSystemInfos())
        {
            string remote = remoteDirectory.TrimEnd('/') + "/" + entry.Name;
            if (entry is DirectoryInfo { LinkTarget: null })
                await PutDirectoryAsync(entry.FullName, remote, resume, onFile, cancellationToken).ConfigureAwait(false);
            else if (entry is FileInfo)
            {
                onFile?.Invoke(entry.FullName);
                await PutAsync(entry.FullName, remote, null, confirm: true, resume, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Uploads a directory tree, blocking.</summary>
    public void PutDirectory(string localDirectory, string remoteDirectory, bool resume = false) =>
        PutDirectoryAsync(localDirectory, remoteDirectory, resume).GetAwaiter().GetResult();

    private async Task<bool> IsDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return (await StatAsync(path, cancellationToken).ConfigureAwait(false)).IsDirectory;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
