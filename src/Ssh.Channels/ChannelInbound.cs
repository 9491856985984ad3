using System.Runtime.CompilerServices;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;

namespace Ssh.Channels;

/// <summary>
/// What the peer sends on one channel: a bounded buffer per stream (stdout, and stderr for extended data type 1)
/// and the window we granted (RFC 4254 §5.2). The read loop fills the buffers, never beyond the window; the window
/// re-opens only as the application takes bytes out, so a slow reader throttles the peer instead of growing memory.
/// </summary>
internal sealed class ChannelInbound : IDisposable
{
    private readonly object _lock = new();
    private readonly IMessageTransport _transport;
    private readonly Channel _channel;
    private int _windowRemaining;
    private int _consumedSinceAdjust;
    private long _consumedTotal;
    private bool _ended;
    private volatile bool _combineStderr;
    private volatile bool _readShutdown;

    public ChannelInbound(IMessageTransport transport, Channel channel, int windowSize, int maxPacketSize)
    {
        _transport = transport;
        _channel = channel;
        WindowSize = windowSize;
        MaxPacketSize = maxPacketSize;
        _windowRemaining = windowSize;
    }

    /// <summary>The window we grant: the most bytes the buffers hold in memory.</summary>
    public int WindowSize { get; }

    /// <summary>The largest data message we accept.</summary>
    public int MaxPacketSize { get; }

    public ChannelBuffer Stdout { get; } = new();
    public ChannelBuffer Stderr { get; } = new();

    /// <summary>Every byte the application (or a spill) has taken out, ever: progress, for the deadlock check.</summary>
    public long ConsumedTotal => Interlocked.Read(ref _consumedTotal);

    /// <summary>True when the peer could not send another full packet: what a stalled reader looks like.</summary>
    public bool WindowNearlyShut
    {
        get { lock (_lock) return _windowRemaining < MaxPacketSize && !_ended; }
    }

    /// <summary>paramiko's set_combine_stderr: stderr goes into the stdout buffer from now on.</summary>
    public bool CombineStderr
    {
        get => _combineStderr;
        set => _combineStderr = value;
    }

    /// <summary>Stops reading: reads return end of stream.</summary>
    public void ShutdownRead() => _readShutdown = true;

    /// <summary>Read loop: a data message's bytes. The peer must have kept to the window we granted.</summary>
    public void OnData(ReadOnlySpan<byte> data, bool stderr, DeferredWakeups? deferred)
    {
        TakeWindow(data.Length);
        (stderr && !_combineStderr ? Stderr : Stdout).Write(data, deferred);
    }

    /// <summary>Read loop: extended data of a type other than stderr. RFC 4254 §5.2 defines only type 1, so the
    /// bytes are dropped, but they used window: it is credited back as if they had been read.</summary>
    public ValueTask OnDiscardedData(int length)
    {
        TakeWindow(length);
        return ConsumedAsync(length, force: false);
    }

    private void TakeWindow(int length)
    {
        lock (_lock)
        {
            if (length > _windowRemaining)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent {length} bytes on channel {_channel.LocalId} with only {_windowRemaining} bytes of window left (RFC 4254 §5.2).");
            _windowRemaining -= length;
        }
    }

    /// <summary>No more data will come (EOF, CLOSE, or the connection failed with <paramref name="error"/>).</summary>
    public void Complete(Exception? error = null)
    {
        lock (_lock) _ended = true;
        Stdout.Complete(error);
        Stderr.Complete(error);
    }

    /// <summary>True when a read of <paramref name="source"/> would not wait.</summary>
    public static bool IsReady(ChannelBuffer source) => source.Count > 0 || source.IsAtEnd;

    /// <summary>Reads what is there, or waits (up to <paramref name="timeout"/>) for something; 0 at end of stream.
    /// While it waits, <paramref name="spill"/> knows <paramref name="waiter"/> is waiting (the deadlock relief).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadAsync(ChannelBuffer source, Memory<byte> buffer, TimeSpan? timeout, UnreadOutputSpill spill, int waiter,
        CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty || _readShutdown) return 0;
        int n = source.TryRead(buffer.Span, out int fromMemory);
        if (n < 0)
        {
            CancellationTokenSource? timeoutSource = null;
            spill.SetWaiting(waiter, true);
            try
            {
                CancellationToken token = cancellationToken;
                if (timeout is { } t)
                {
                    timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeoutSource.CancelAfter(t);
                    token = timeoutSource.Token;
                }
                while ((n = source.TryRead(buffer.Span, out fromMemory)) < 0)
                    await source.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource is not null && !cancellationToken.IsCancellationRequested)
            {
                throw NothingArrived(timeout!.Value);
            }
            finally
            {
                spill.SetWaiting(waiter, false);
                timeoutSource?.Dispose();
            }
        }
        if (fromMemory > 0) await ConsumedAsync(fromMemory, force: false).ConfigureAwait(false);
        return n;
    }

    /// <summary>The blocking twin of <see cref="ReadAsync"/>: waits on the calling thread, woken straight from the read
    /// loop, so a reader on a thread of its own (paramiko's shape) costs no thread-pool hop per arrival.</summary>
    public int Read(ChannelBuffer source, Span<byte> buffer, TimeSpan? timeout, UnreadOutputSpill spill, int waiter,
        CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty || _readShutdown) return 0;
        int n = source.TryRead(buffer, out int fromMemory);
        if (n < 0)
        {
            spill.SetWaiting(waiter, true);
            try
            {
                long deadline = AsyncSignal.DeadlineAfter(timeout);
                while ((n = source.TryRead(buffer, out fromMemory)) < 0)
                {
                    if (source.Wait(deadline, cancellationToken)) continue;
                    if ((n = source.TryRead(buffer, out fromMemory)) >= 0) break;
                    throw NothingArrived(timeout!.Value);
                }
            }
            finally
            {
                spill.SetWaiting(waiter, false);
            }
        }
        if (fromMemory > 0)
        {
            ValueTask adjust = ConsumedAsync(fromMemory, force: false);
            if (!adjust.IsCompletedSuccessfully) adjust.AsTask().GetAwaiter().GetResult();
        }
        return n;
    }

    private TimeoutException NothingArrived(TimeSpan timeout) =>
        new($"No data arrived on {_channel} within {timeout.TotalSeconds:0.###} s.");

    /// <summary>Re-opens the window for what was taken out, in chunks of half the window so a fast reader keeps the
    /// peer streaming without a WINDOW_ADJUST per packet; <paramref name="force"/> sends whatever is due now.</summary>
    public ValueTask ConsumedAsync(int count, bool force)
    {
        Interlocked.Add(ref _consumedTotal, count);
        int adjust = 0;
        lock (_lock)
        {
            _consumedSinceAdjust += count;
            if (!_ended && _consumedSinceAdjust > 0 && (force || _consumedSinceAdjust >= WindowSize / 2))
            {
                adjust = _consumedSinceAdjust;
                _consumedSinceAdjust = 0;
                _windowRemaining += adjust;
            }
        }
        return adjust > 0
            ? _transport.SendAsync(new ChannelWindowAdjustMessage(_channel.RemoteId, (uint)adjust))
            : ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        Stdout.Dispose();
        Stderr.Dispose();
    }
}
