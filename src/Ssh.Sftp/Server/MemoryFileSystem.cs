using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

/// <summary>
/// A file system held in memory, for tests and for embedders that serve generated content: directories, files
/// and symbolic links under "/", POSIX-like semantics (permission bits are kept and reported, not enforced).
/// <see cref="Capacity"/> bounds the bytes its files may hold. Thread-safe.
/// </summary>
public sealed class MemoryFileSystem : ISftpFileSystem
{
    private readonly object _lock = new();
    private readonly Dir _root = new() { Mode = SftpAttributes.TypeDirectory | 0x1ED };
    private long _used;

    /// <summary>The most bytes all files together may hold; a write beyond it fails (default: unlimited).</summary>
    public long Capacity { get; init; } = long.MaxValue;

    /// <inheritdoc/>
    public string HomeDirectory { get; init; } = "/";

    private abstract class Node
    {
        public uint Mode;
        public uint ATime = Now(), MTime = Now();

        public virtual long Size => 0;

        public SftpAttributes Attributes() => new() { Size = Size, Uid = 0, Gid = 0, Mode = Mode, ATime = ATime, MTime = MTime };
    }

    private sealed class Dir : Node
    {
        public readonly SortedDictionary<string, Node> Children = new(StringComparer.Ordinal);
    }

    private sealed class FileNode : Node
    {
        public byte[] Data = [];
        public long Length;

        public override long Size => Length;
    }

    private sealed class Link : Node
    {
        public string Target = "";

        public override long Size => Target.Length;
    }

    private static uint Now() => (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    // ---- resolving (under the lock) -----------------------------------------------------------------------

    private Node Find(string path, bool followLast, int depth = 0)
    {
        if (depth > 40) throw new SftpException(SftpStatusCode.NoSuchFile, "Too many levels of symbolic links");
        Node node = _root;
        string current = "/";
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            if (node is not Dir dir || !dir.Children.TryGetValue(parts[i], out Node? child))
                throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
            string childPath = SftpPath.Combine(current, parts[i]);
            if (child is Link link && (i < parts.Length - 1 || followLast))
            {
                child = Find(SftpPath.Normalize(current, link.Target), followLast: true, depth + 1);
                childPath = SftpPath.Normalize(current, link.Target);
            }
            node = child;
            current = childPath;
        }
        return node;
    }

    private (Dir Parent, string Name) FindParent(string path)
    {
        if (path == "/") throw new SftpException(SftpStatusCode.PermissionDenied, "Not permitted on the root directory");
        return Find(SftpPath.Parent(path), followLast: true) is Dir dir
            ? (dir, SftpPath.Name(path))
            : throw new SftpException(SftpStatusCode.NoSuchFile, "Not a directory");
    }

    private T Locked<T>(Func<T> action)
    {
        lock (_lock) return action();
    }

    private void Locked(Action action)
    {
        lock (_lock) action();
    }

    // ---- ISftpFileSystem ----------------------------------------------------------------------------------

    /// <inheritdoc/>
    public ValueTask<string> RealPathAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(Locked(() => RealPath(path, 0)));

    private string RealPath(string path, int depth)
    {
        if (depth > 40) throw new SftpException(SftpStatusCode.NoSuchFile, "Too many levels of symbolic links");
        string current = "/";
        Node node = _root;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not Dir dir) throw new SftpException(SftpStatusCode.NoSuchFile, "Not a directory");
            if (!dir.Children.TryGetValue(part, out Node? child))
            {
                current = SftpPath.Combine(current, part);
                node = new Dir(); // a missing name is kept as it is; nothing below it can exist
                continue;
            }
            current = child is Link link ? RealPath(SftpPath.Normalize(current, link.Target), depth + 1) : SftpPath.Combine(current, part);
            node = child is Link ? Find(current, followLast: true) : child;
        }
        return current;
    }

    /// <inheritdoc/>
    public ValueTask<SftpAttributes> StatAsync(string path, bool followLinks, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Locked(() => Find(path, followLinks).Attributes()));

    /// <inheritdoc/>
    public ValueTask SetStatAsync(string path, SftpAttributes attributes, bool followLinks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        Locked(() => Apply(Find(path, followLinks), attributes));
        return ValueTask.CompletedTask;
    }

    private void Apply(Node node, SftpAttributes attributes)
    {
        if (attributes.Size is { } size)
        {
            if (node is not FileNode file) throw new SftpException(SftpStatusCode.Failure, "Not a regular file");
            Resize(file, size);
        }
        if (attributes.Mode is { } mode) node.Mode = (node.Mode & SftpAttributes.TypeMask) | (mode & 0xFFF);
        if (attributes.ATime is { } atime && attributes.MTime is { } mtime)
        {
            node.ATime = atime;
            node.MTime = mtime;
        }
    }

    private void Resize(FileNode file, long length)
    {
        if (length < 0) throw new SftpException(SftpStatusCode.BadMessage, "A negative size");
        if (_used - file.Length + length > Capacity) throw new SftpException(SftpStatusCode.Failure, "No space left on device");
        if (length > file.Data.Length)
        {
            if (length > Array.MaxLength) throw new SftpException(SftpStatusCode.Failure, "File too large");
            Array.Resize(ref file.Data, (int)Math.Min(Array.MaxLength, Math.Max(length, file.Data.Length * 2L)));
        }
        else if (length < file.Length)
        {
            file.Data.AsSpan((int)length, (int)(file.Length - length)).Clear();
        }
        _used += length - file.Length;
        file.Length = length;
        file.MTime = Now();
    }

    /// <inheritdoc/>
    public ValueTask<ISftpFileHandle> OpenFileAsync(string path, SftpOpenFlags flags, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return ValueTask.FromResult<ISftpFileHandle>(Locked(() =>
        {
            FileNode? file = null;
            try
            {
                file = Find(path, followLast: true) as FileNode ?? throw new SftpException(SftpStatusCode.Failure, "Not a regular file");
                if ((flags & (SftpOpenFlags.Create | SftpOpenFlags.Exclusive)) == (SftpOpenFlags.Create | SftpOpenFlags.Exclusive))
                    throw new SftpException(SftpStatusCode.Failure, "File exists");
            }
            catch (SftpException e) when (e.Code == SftpStatusCode.NoSuchFile && (flags & SftpOpenFlags.Create) != 0)
            {
                var (parent, name) = FindParent(path);
                if (parent.Children.ContainsKey(name)) throw new SftpException(SftpStatusCode.NoSuchFile, "A dangling link");
                file = new FileNode { Mode = SftpAttributes.TypeRegular | ((attributes.Mode ?? 0x1A4) & 0xFFF) };
                parent.Children[name] = file;
            }
            if ((flags & SftpOpenFlags.Truncate) != 0 && (flags & SftpOpenFlags.Write) != 0) Resize(file, 0);
            return new MemoryFileHandle(this, file, flags);
        }));
    }

    /// <inheritdoc/>
    public ValueTask<ISftpDirectoryHandle> OpenDirectoryAsync(string path, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ISftpDirectoryHandle>(Locked(() =>
        {
            var dir = Find(path, followLast: true) as Dir ?? throw new SftpException(SftpStatusCode.Failure, "Not a directory");
            var entries = new List<SftpAttributes>(dir.Children.Count + 2);
            foreach (var (name, node) in new[] { (".", (Node)dir) }.Concat(dir.Children.Select(c => (c.Key, c.Value))))
            {
                SftpAttributes attributes = node.Attributes();
                attributes.FileName = name;
                entries.Add(attributes);
            }
            return new ListedDirectory(entries);
        }));

    /// <inheritdoc/>
    public ValueTask RemoveAsync(string path, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            var (parent, name) = FindParent(path);
            if (!parent.Children.TryGetValue(name, out Node? node)) throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
            if (node is Dir) throw new SftpException(SftpStatusCode.Failure, "Is a directory");
            if (node is FileNode file) _used -= file.Length;
            parent.Children.Remove(name);
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask MakeDirectoryAsync(string path, SftpAttributes attributes, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            var (parent, name) = FindParent(path);
            if (parent.Children.ContainsKey(name)) throw new SftpException(SftpStatusCode.Failure, "File exists");
            parent.Children[name] = new Dir { Mode = SftpAttributes.TypeDirectory | ((attributes.Mode ?? 0x1ED) & 0xFFF) };
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RemoveDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            var (parent, name) = FindParent(path);
            if (!parent.Children.TryGetValue(name, out Node? node)) throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
            if (node is not Dir dir) throw new SftpException(SftpStatusCode.Failure, "Not a directory");
            if (dir.Children.Count > 0) throw new SftpException(SftpStatusCode.Failure, "Directory not empty");
            parent.Children.Remove(name);
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask RenameAsync(string oldPath, string newPath, bool replace, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            var (from, fromName) = FindParent(oldPath);
            var (to, toName) = FindParent(newPath);
            if (!from.Children.TryGetValue(fromName, out Node? node)) throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
            if ((newPath + "/").StartsWith(oldPath + "/", StringComparison.Ordinal) && newPath != oldPath)
                throw new SftpException(SftpStatusCode.Failure, "Cannot move a directory into itself");
            if (to.Children.TryGetValue(toName, out Node? existing))
            {
                if (!replace) throw new SftpException(SftpStatusCode.Failure, "File exists");
                if (existing is Dir { Children.Count: > 0 }) throw new SftpException(SftpStatusCode.Failure, "Directory not empty");
                if (existing is FileNode old && !ReferenceEquals(old, node)) _used -= old.Length;
            }
            from.Children.Remove(fromName);
            to.Children[toName] = node;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<string> ReadLinkAsync(string path, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Locked(() => (Find(path, followLast: false) as Link)?.Target ?? throw new SftpException(SftpStatusCode.Failure, "Not a symbolic link")));

    /// <inheritdoc/>
    public ValueTask SymlinkAsync(string linkPath, string target, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            var (parent, name) = FindParent(linkPath);
            if (parent.Children.ContainsKey(name)) throw new SftpException(SftpStatusCode.Failure, "File exists");
            parent.Children[name] = new Link { Mode = SftpAttributes.TypeSymlink | 0x1FF, Target = target };
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask HardlinkAsync(string existingPath, string newPath, CancellationToken cancellationToken)
    {
        Locked(() =>
        {
            Node node = Find(existingPath, followLast: false);
            if (node is Dir) throw new SftpException(SftpStatusCode.PermissionDenied, "Hard links to directories are not permitted");
            var (parent, name) = FindParent(newPath);
            if (parent.Children.ContainsKey(name)) throw new SftpException(SftpStatusCode.Failure, "File exists");
            parent.Children[name] = node;
        });
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<SftpStatVfs> StatVfsAsync(string path, CancellationToken cancellationToken) => ValueTask.FromResult(Locked(() =>
    {
        Find(path, followLast: true);
        return Figures();
    }));

    private SftpStatVfs Figures()
    {
        const ulong block = 4096;
        ulong total = Capacity == long.MaxValue ? 1UL << 40 : (ulong)Capacity;
        ulong free = total - Math.Min(total, (ulong)_used);
        return new SftpStatVfs(block, block, total / block, free / block, free / block, 1 << 20, 1 << 20, 1 << 20, 0, 0, 255);
    }

    /// <inheritdoc/>
    public ValueTask<string> GetHomeDirectoryAsync(string? user, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(user) ? ValueTask.FromResult(HomeDirectory) : throw new SftpException(SftpStatusCode.NoSuchFile, $"No such user {user}");

    /// <inheritdoc/>
    public string? GetUserName(uint uid) => uid == 0 ? "root" : null;

    /// <inheritdoc/>
    public string? GetGroupName(uint gid) => gid == 0 ? "root" : null;

    private sealed class MemoryFileHandle(MemoryFileSystem owner, FileNode file, SftpOpenFlags flags) : ISftpFileHandle
    {
        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if ((flags & SftpOpenFlags.Read) == 0) throw new SftpException(SftpStatusCode.PermissionDenied, "Not open for reading");
            lock (owner._lock)
            {
                if (offset >= file.Length) return ValueTask.FromResult(0);
                int n = (int)Math.Min(buffer.Length, file.Length - offset);
                file.Data.AsSpan((int)offset, n).CopyTo(buffer.Span);
                return ValueTask.FromResult(n);
            }
        }

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if ((flags & SftpOpenFlags.Write) == 0) throw new SftpException(SftpStatusCode.PermissionDenied, "Not open for writing");
            lock (owner._lock)
            {
                if ((flags & SftpOpenFlags.Append) != 0) offset = file.Length;
                long end = offset + data.Length;
                if (end > file.Length) owner.Resize(file, end);
                data.Span.CopyTo(file.Data.AsSpan((int)offset));
                file.MTime = Now();
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask<SftpAttributes> StatAsync(CancellationToken cancellationToken) => ValueTask.FromResult(owner.Locked(file.Attributes));

        public ValueTask SetStatAsync(SftpAttributes attributes, CancellationToken cancellationToken)
        {
            owner.Locked(() => owner.Apply(file, attributes));
            return ValueTask.CompletedTask;
        }

        public ValueTask FsyncAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<SftpStatVfs> StatVfsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(owner.Locked(owner.Figures));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
