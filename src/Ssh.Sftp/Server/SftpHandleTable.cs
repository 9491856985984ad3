using System.Buffers.Binary;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

/// <summary>The open files and directories of one session, by handle: a 4-byte number never reused within the
/// session, so a stale handle can never reach another file. At most <c>capacity</c> are open at once.</summary>
internal sealed class SftpHandleTable(int capacity)
{
    private readonly Dictionary<uint, object> _open = [];
    private uint _next;

    /// <summary>The number in a handle string; 0 (never issued) for one of the wrong length.</summary>
    public static uint Parse(ReadOnlySpan<byte> handle) => handle.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(handle) : 0;

    /// <summary>Registers an open file or directory; false when the table is full (the caller closes it).</summary>
    public bool TryAdd(object handle, out uint id)
    {
        lock (_open)
        {
            id = 0;
            if (_open.Count >= capacity) return false;
            id = ++_next;
            _open.Add(id, handle);
            return true;
        }
    }

    public bool Contains(uint id)
    {
        lock (_open) return _open.ContainsKey(id);
    }

    public T Get<T>(uint id) where T : class
    {
        lock (_open)
        {
            if (_open.TryGetValue(id, out object? handle) && handle is T typed) return typed;
        }
        throw new SftpException(SftpStatusCode.Failure, $"Invalid handle (not an open {(typeof(T) == typeof(ISftpFileHandle) ? "file" : "directory")}).");
    }

    public object Remove(uint id)
    {
        lock (_open)
        {
            if (_open.Remove(id, out object? handle)) return handle;
        }
        throw new SftpException(SftpStatusCode.Failure, "Invalid handle.");
    }

    /// <summary>Closes whatever the client left open.</summary>
    public async Task CloseAllAsync()
    {
        List<object> left;
        lock (_open)
        {
            left = [.. _open.Values];
            _open.Clear();
        }
        foreach (object handle in left)
        {
            try
            {
                await ((IAsyncDisposable)handle).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Closing at the end of a session: nobody is left to tell.
            }
        }
    }
}
