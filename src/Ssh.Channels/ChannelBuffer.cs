namespace Ssh.Channels;

/// <summary>
/// The inbound bytes of one channel stream (stdout or stderr): a ring buffer filled by the session's read loop
/// and drained by the application. Its size is bounded by the channel window the peer was granted, so it never
/// grows without limit; the channel re-opens the window only as bytes are taken out.
/// </summary>
internal sealed class ChannelBuffer
{
    private readonly object _lock = new();
    private readonly AsyncSignal _dataAvailable = new();
    private byte[] _ring;
    private int _head;
    private int _count;
    private bool _completed;
    private Exception? _error;

    public ChannelBuffer(int initialCapacity = 16 * 1024) => _ring = new byte[initialCapacity];

    public int Count
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>True when no more data will come (EOF, close or failure) and the buffer is empty.</summary>
    public bool IsAtEnd
    {
        get { lock (_lock) return _completed && _count == 0; }
    }

    /// <summary>Appends data (read loop). Never blocks: the window guarantees room is bounded.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            if (_completed) return; // data after EOF is a peer bug; dropping it is harmless
            EnsureCapacity(_count + data.Length);
            int tail = (_head + _count) % _ring.Length;
            int first = Math.Min(data.Length, _ring.Length - tail);
            data[..first].CopyTo(_ring.AsSpan(tail));
            data[first..].CopyTo(_ring);
            _count += data.Length;
        }
        _dataAvailable.Set();
    }

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

    /// <summary>Takes up to <paramref name="destination"/>.Length bytes without waiting; -1 when nothing is there yet.</summary>
    public int TryRead(Span<byte> destination)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                if (_completed)
                {
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
            return n;
        }
    }

    /// <summary>Waits for data or the end (one reader at a time).</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken) => _dataAvailable.WaitAsync(cancellationToken);

    /// <summary>Looks at the next bytes without taking them (for line reading).</summary>
    public int Peek(Span<byte> destination)
    {
        lock (_lock)
        {
            int n = Math.Min(destination.Length, _count);
            int first = Math.Min(n, _ring.Length - _head);
            _ring.AsSpan(_head, first).CopyTo(destination);
            _ring.AsSpan(0, n - first).CopyTo(destination[first..]);
            return n;
        }
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _ring.Length) return;
        int size = _ring.Length;
        while (size < needed) size *= 2;
        var bigger = new byte[size];
        int first = Math.Min(_count, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(bigger);
        _ring.AsSpan(0, _count - first).CopyTo(bigger.AsSpan(first));
        _ring = bigger;
        _head = 0;
    }
}
