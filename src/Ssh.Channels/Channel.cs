using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;

namespace Ssh.Channels;

/// <summary>
/// One SSH channel (RFC 4254 §5), paramiko's <c>Channel</c>. Inbound data waits in a buffer per stream, bounded
/// by the window we granted; the window re-opens only as the application reads, so a slow reader throttles the
/// peer. Outbound data waits for the peer's window. Every blocking method has an async twin.
/// </summary>
public sealed partial class Channel : IDisposable, IAsyncDisposable
{
    /// <summary>The window we grant by default (OpenSSH's session channels use the same 2 MiB).</summary>
    public const int DefaultWindowSize = 2 * 1024 * 1024;

    /// <summary>The largest data packet we accept (RFC 4254 §5.1 maximum packet size).</summary>
    public const int DefaultMaxPacketSize = 32 * 1024;

    private readonly ConnectionService _connection;
    private readonly object _lock = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ChannelBuffer _stdout = new();
    private readonly ChannelBuffer _stderr = new();
    private readonly AsyncSignal _windowOpened = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Queue<TaskCompletionSource<bool>> _pendingRequests = new();

    private long _remoteWindow;
    private int _localWindowRemaining;
    private int _consumedSinceAdjust;
    private bool _eofReceived;
    private bool _eofSent;
    private bool _closeSent;
    private bool _closeReceived;
    private Exception? _failure;

    internal Channel(ConnectionService connection, uint localId, string channelType, int windowSize, int maxPacketSize)
    {
        _connection = connection;
        LocalId = localId;
        ChannelType = channelType;
        LocalWindowSize = windowSize;
        LocalMaxPacketSize = maxPacketSize;
        _localWindowRemaining = windowSize;
    }

    /// <summary>Our channel number.</summary>
    public uint LocalId { get; }

    /// <summary>The peer's channel number.</summary>
    public uint RemoteId { get; private set; }

    public string ChannelType { get; }
    public int LocalWindowSize { get; }
    public int LocalMaxPacketSize { get; }

    /// <summary>The largest data chunk the peer accepts in one message.</summary>
    public int RemoteMaxPacketSize { get; private set; }

    /// <summary>True once both sides have sent CHANNEL_CLOSE, or the connection is gone.</summary>
    public bool Closed => _closed.Task.IsCompleted;

    /// <summary>True when the peer sent EOF or closed: no more data will arrive.</summary>
    public bool EofReceived
    {
        get { lock (_lock) return _eofReceived || _closeReceived; }
    }

    internal SshSession Session => _connection.Session;
    internal Task OpenTask => _opened.Task;

    /// <summary>Completes when the channel is closed in both directions.</summary>
    public Task Completion => _closed.Task;

    internal void OnOpenConfirmed(uint remoteId, uint remoteWindow, uint remoteMaxPacket)
    {
        RemoteId = remoteId;
        RemoteMaxPacketSize = (int)Math.Clamp(remoteMaxPacket, 1, 256 * 1024);
        Interlocked.Exchange(ref _remoteWindow, remoteWindow);
        _opened.TrySetResult();
    }

    internal void OnOpenFailed(ChannelOpenFailureReason reason, string description)
    {
        var error = new ChannelException($"The server refused to open a {ChannelType} channel ({reason}): {SshSession.Sanitize(description)}", reason);
        _opened.TrySetException(error);
        Fail(error);
    }

    internal void OnWindowAdjust(uint bytesToAdd)
    {
        long updated = Interlocked.Add(ref _remoteWindow, bytesToAdd);
        if (updated > uint.MaxValue)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer grew channel {LocalId}'s window beyond 2^32-1 bytes (RFC 4254 §5.2).");
        _windowOpened.Set();
    }

    /// <summary>Data from the read loop. Checks the peer kept to the window we granted.</summary>
    internal void OnData(ReadOnlySpan<byte> data, bool stderr)
    {
        lock (_lock)
        {
            if (data.Length > _localWindowRemaining)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent {data.Length} bytes on channel {LocalId} with only {_localWindowRemaining} bytes of window left (RFC 4254 §5.2).");
            _localWindowRemaining -= data.Length;
        }
        (stderr && !_combineStderr ? _stderr : _stdout).Write(data);
        if (Volatile.Read(ref _waiters) != 0) Relieve();
    }

    internal void OnEof()
    {
        lock (_lock) _eofReceived = true;
        _stdout.Complete();
        _stderr.Complete();
    }

    internal async ValueTask OnCloseAsync()
    {
        bool sendClose;
        lock (_lock)
        {
            _closeReceived = true;
            sendClose = !_closeSent;
            _closeSent = true;
        }
        _stdout.Complete();
        _stderr.Complete();
        _windowOpened.Set();
        FailPendingRequests();
        if (sendClose) await Session.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelClose, RemoteId)).ConfigureAwait(false);
        FinishClose();
    }

    internal void OnRequestReply(bool success)
    {
        TaskCompletionSource<bool>? pending;
        lock (_lock) _pendingRequests.TryDequeue(out pending);
        if (pending is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"The peer answered a channel request on channel {LocalId} that was never made.");
        pending.TrySetResult(success);
    }

    /// <summary>The connection failed or the channel could not open: wake everyone with the error.</summary>
    internal void Fail(Exception error)
    {
        lock (_lock)
        {
            _failure ??= error;
            _closeReceived = true;
            _closeSent = true;
        }
        _opened.TrySetException(error);
        _opened.Task.Exception?.Handle(_ => true);
        // Readers get what was buffered, then the error: a lost connection must not look like a clean end.
        _stdout.Complete(error);
        _stderr.Complete(error);
        _windowOpened.Set();
        FailPendingRequests();
        _exitStatus.TrySetResult(-1);
        FinishClose();
    }

    private void FailPendingRequests()
    {
        lock (_lock)
        {
            while (_pendingRequests.TryDequeue(out var pending)) pending.TrySetResult(false);
        }
    }

    private void FinishClose()
    {
        _exitStatus.TrySetResult(-1);
        _stdout.Complete();
        _stderr.Complete();
        _connection.Remove(this);
        _closed.TrySetResult();
    }

    /// <summary>Sends CHANNEL_CLOSE (once) and waits briefly for the peer's.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        bool send;
        lock (_lock)
        {
            send = !_closeSent && _opened.Task.IsCompletedSuccessfully;
            _closeSent = true;
        }
        if (send && Session.IsConnected)
        {
            try
            {
                await Session.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelClose, RemoteId), cancellationToken).ConfigureAwait(false);
                await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or TimeoutException)
            {
                // The connection went away or the peer never answered: the channel is closed on our side.
            }
        }
        _stdout.Complete();
        _stderr.Complete();
        if (!_opened.Task.IsCompletedSuccessfully || !Session.IsConnected) FinishClose();
    }

    public void Close() => CloseAsync().GetAwaiter().GetResult();

    public void Dispose() => Close();

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private void ThrowIfFailed()
    {
        Exception? failure;
        lock (_lock) failure = _failure;
        if (failure is not null) throw failure;
        if (Session.CloseReason is not null) throw Session.CloseReason;
    }

    public override string ToString() => $"Channel {LocalId} ({ChannelType})";
}
