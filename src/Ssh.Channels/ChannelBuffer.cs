namespace Ssh.Channels;

/// <summary>
/// The inbound bytes of one channel stream (stdout or stderr): a ring buffer filled by the session's read loop
/// and drained by the application. Its size is bounded by the channel window the peer was granted, so it never
/// grows without limit; the channel re-opens the window only as bytes are taken out. When the application waits
/// on something else (the other stream, the exit status) while this stream holds the window shut, the channel can
/// move the bytes to a temporary file (<see cref="Spill"/>) so the peer may go on: the classic exec deadlock.
/// </summary>
internal sealed class ChannelBuffer : IDisposable
{
    private readonly object _lock = new();
    private readonly AsyncSignal _dataAvailable = new();
    private byte[] _ring;
    private int _head;
    private int _count;
    private bool _completed;
    private Exception? _error;
    private FileStream? _spill;
    private long _spillRead;

    // The ring comes from the shared pool and goes back (wiped) as it grows and once the stream is drained, so a
    // channel that filled its window does not leave megabytes of garbage behind.
    public ChannelBuffer(int initialCapacity = 16 * 1024) => _ring = System.Buffers.ArrayPool<byte>.Shared.Rent(initialCapacity);

    /// <summary>Bytes waiting in memory (not counting spilled ones).</summary>
    public int Count
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Bytes waiting, in memory and on disk.</summary>
    public long Available
    {
        get { lock (_lock) return _count + SpilledUnread; }
    }

    private long SpilledUnread => _spill is null ? 0 : _spill.Length - _spillRead;

    /// <summary>True when no more data will come (EOF, close or failure) and the buffer is empty.</summary>
    public bool IsAtEnd
    {
        get { lock (_lock) return _completed && _count == 0 && SpilledUnread == 0; }
    }

    /// <summary>How many bytes held for a reader make the read loop wake it at once rather than when it next waits
    /// (<see cref="DeferredWakeups"/>): enough that a fast reader is woken a few times per window, not per packet.</summary>
    public const int WakeThreshold = 128 * 1024;

    /// <summary>Appends data (read loop). Never blocks: the window guarantees room is bounded. The reader is woken at
    /// once, or, with <paramref name="deferred"/>, when the read loop next waits or enough bytes are here.</summary>
    public void Write(ReadOnlySpan<byte> data, DeferredWakeups? deferred = null)
    {
        int count;
        lock (_lock)
        {
            if (_completed) return; // data after EOF is a peer bug; dropping it is harmless
            EnsureCapacity(_count + data.Length);
            int tail = (_head + _count) % _ring.Length;
            int first = Math.Min(data.Length, _ring.Length - tail);
            data[..first].CopyTo(_ring.AsSpan(tail));
            data[first..].CopyTo(_ring);
            _count += data.Length;
            count = _count;
        }
        if (deferred is null || count >= WakeThreshold) _dataAvailable.Set();
        else deferred.Hold(this);
        deferred?.Received(data.Length);
    }

    /// <summary>True while <see cref="DeferredWakeups"/> holds this buffer's wake-up (read loop only).</summary>
    public bool WakeHeld { get; set; }

    /// <summary>Wakes the reader (or lets its next wait return at once).</summary>
    public void WakeReader() => _dataAvailable.Set();

    /// <summary>No more data will arrive; readers get what is left, then end of stream (or the error).</summary>
    public void Complete(Exception? error = null)
    {
        lock (_lock)
        {
            // An error only matters for a stream that had not already ended cleanly.
            if (!_completed) _error = error;
            _completed = true;
        }
        _dataAvailable.Set();
    }

    /// <summary>Takes up to <paramref name="destination"/>.Length bytes without waiting; -1 when nothing is there
    /// yet. <paramref name="fromMemory"/> says how many came from memory (spilled ones were counted as consumed
    /// when they were spilled).</summary>
    public int TryRead(Span<byte> destination, out int fromMemory)
    {
        fromMemory = 0;
        lock (_lock)
        {
            if (SpilledUnread > 0)
            {
                _spill!.Position = _spillRead;
                int read = _spill.Read(destination[..(int)Math.Min(destination.Length, SpilledUnread)]);
                _spillRead += read;
                if (SpilledUnread == 0)
                {
                    _spill.SetLength(0);
                    _spillRead = 0;
                }
                return read;
            }
            if (_count == 0)
            {
                if (_completed)
                {
                    _spill?.Dispose();
                    _spill = null;
                    ReturnRing();
                    if (_error is not null) throw _error;
                    return 0;
                }
                return -1;
            }
            int n = Math.Min(destination.Length, _count);
            int first = Math.Min(n, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(destination);
            _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
            _head = (_head + n) % _ring.Length;
            _count -= n;
            if (_count == 0) _head = 0;
            fromMemory = n;
            return n;
        }
    }

    /// <summary>Moves every byte held in memory to the end of a temporary file (readable only by this user,
    /// deleted when closed). Returns how many bytes moved, which the caller counts as consumed.</summary>
    public int Spill()
    {
        lock (_lock)
        {
            if (_count == 0) return 0;
            _spill ??= CreateSpillFile();
            _spill.Position = _spill.Length;
            int first = Math.Min(_count, _ring.Length - _head);
            _spill.Write(_ring, _head, first);
            _spill.Write(_ring, 0, _count - first);
            int moved = _count;
            _head = 0;
            _count = 0;
            return moved;
        }
    }

    private static FileStream CreateSpillFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            Options = FileOptions.DeleteOnClose,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(Path.Combine(Path.GetTempPath(), $"sshcs-channel-{Guid.NewGuid():N}.tmp"), options);
    }

    /// <summary>Waits for data or the end (one reader at a time).</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken) => _dataAvailable.WaitAsync(cancellationToken);

    /// <summary>Blocks the calling thread until data or the end arrives (one reader at a time); false once
    /// <paramref name="deadline"/> (<see cref="Environment.TickCount64"/>) has passed.</summary>
    public bool Wait(long deadline, CancellationToken cancellationToken) => _dataAvailable.Wait(deadline, cancellationToken);

    private void EnsureCapacity(int needed)
    {
        if (needed <= _ring.Length) return;
        int size = _ring.Length;
        while (size < needed) size *= 2;
        byte[] bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(size);
        int first = Math.Min(_count, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(bigger);
        _ring.AsSpan(0, _count - first).CopyTo(bigger.AsSpan(first));
        ReturnRing();
        _ring = bigger;
        _head = 0;
    }

    /// <summary>Gives the ring back, wiped (it held channel data). Called under the lock.</summary>
    private void ReturnRing()
    {
        if (_ring.Length == 0) return;
        Array.Clear(_ring);
        System.Buffers.ArrayPool<byte>.Shared.Return(_ring);
        _ring = [];
    }

    /// <summary>Discards what is left: the spill file is deleted and the ring goes back to the pool, wiped; reads
    /// return end of stream from now on.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _spill?.Dispose();
            _spill = null;
            _spillRead = 0;
            _count = 0;
            _head = 0;
            _completed = true;
            ReturnRing();
        }
        _dataAvailable.Set();
    }
}
