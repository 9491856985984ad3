using System.Runtime.CompilerServices;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;

namespace Ssh.Channels;

/// <summary>
/// What we send on one channel: data and extended data cut to the peer's maximum packet size, each waiting for the
/// window the peer granted (RFC 4254 §5.2), and EOF after the last of it. One send at a time, so chunks of two
/// concurrent writes never interleave.
/// </summary>
internal sealed class ChannelOutbound
{
    private readonly IMessageTransport _transport;
    private readonly Channel _channel;
    private readonly AsyncSignal _windowOpened = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private long _window;

    public ChannelOutbound(IMessageTransport transport, Channel channel)
    {
        _transport = transport;
        _channel = channel;
    }

    /// <summary>The largest data chunk the peer accepts in one message.</summary>
    public int MaxPacketSize { get; private set; }

    /// <summary>True when a send would not wait for window.</summary>
    public bool HasWindow => Interlocked.Read(ref _window) > 0;

    /// <summary>The peer confirmed the channel with its window and packet size.</summary>
    public void Open(uint window, uint maxPacketSize)
    {
        // Bounded: a peer's huge maximum must not make us build huge packets.
        MaxPacketSize = (int)Math.Clamp(maxPacketSize, 1, 256 * 1024);
        Interlocked.Exchange(ref _window, window);
    }

    /// <summary>Read loop: SSH_MSG_CHANNEL_WINDOW_ADJUST.</summary>
    public void OnWindowAdjust(uint bytesToAdd)
    {
        long updated = Interlocked.Add(ref _window, bytesToAdd);
        if (updated > uint.MaxValue)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer grew channel {_channel.LocalId}'s window beyond 2^32-1 bytes (RFC 4254 §5.2).");
        _windowOpened.Set();
    }

    /// <summary>Wakes a sender waiting for window (the channel closed or failed; it will find out).</summary>
    public void Wake() => _windowOpened.Set();

    /// <summary>Sends as much of <paramref name="data"/> as the window allows now (waiting for at least one byte,
    /// up to <paramref name="timeout"/>); returns how many bytes went. Extended type 1 is stderr.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> SendChunkAsync(ReadOnlyMemory<byte> data, uint extendedType, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (data.IsEmpty) return 0;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int n;
            while ((n = TakeWindow(data.Length)) == 0) await WaitForWindowAsync(timeout, cancellationToken).ConfigureAwait(false);
            await _transport.SendAsync(new ChannelDataMessage(_channel.RemoteId, extendedType, data[..n]), cancellationToken).ConfigureAwait(false);
            return n;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The blocking twin of <see cref="SendChunkAsync"/>, for a sender on a thread of its own (paramiko's
    /// shape): the wait for window is woken straight from the read loop (<see cref="AsyncSignal.Wait"/>), with no
    /// thread-pool hop, and the packet is sent on the calling thread.</summary>
    public int SendChunk(ReadOnlyMemory<byte> data, uint extendedType, TimeSpan? timeout)
    {
        if (data.IsEmpty) return 0;
        long deadline = AsyncSignal.DeadlineAfter(timeout);
        _sendLock.Wait();
        try
        {
            int n;
            while ((n = TakeWindow(data.Length)) == 0)
            {
                if (!_windowOpened.Wait(deadline, CancellationToken.None)) throw WindowTimeout(timeout!.Value);
            }
            ValueTask sent = _transport.SendAsync(new ChannelDataMessage(_channel.RemoteId, extendedType, data[..n]), CancellationToken.None);
            if (!sent.IsCompletedSuccessfully) sent.AsTask().GetAwaiter().GetResult();
            return n;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> bytes of the peer's window, at most one packet; 0 while it is
    /// shut. Throws once the channel is closed for sending.</summary>
    private int TakeWindow(int wanted)
    {
        _channel.ThrowIfClosedForSending();
        long window = Interlocked.Read(ref _window);
        if (window <= 0) return 0;
        int n = (int)Math.Min(Math.Min(wanted, window), MaxPacketSize);
        Interlocked.Add(ref _window, -n);
        return n;
    }

    private TimeoutException WindowTimeout(TimeSpan timeout) =>
        new($"The peer did not open {_channel}'s window within {timeout.TotalSeconds:0.###} s.");

    private async ValueTask WaitForWindowAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        if (timeout is not { } t)
        {
            await _windowOpened.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(t);
        try
        {
            await _windowOpened.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw WindowTimeout(t);
        }
    }

    /// <summary>Sends EOF once the data in flight has gone, so EOF follows it (RFC 4254 §5.3).</summary>
    public async Task SendEofAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _transport.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelEof, _channel.RemoteId), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
