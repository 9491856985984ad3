using System.Buffers;
using System.Runtime.CompilerServices;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>
/// One SSH channel (RFC 4254 §5), paramiko's <c>Channel</c>: its lifetime (open, EOF, close) and the verbs an
/// application calls. The work is done by parts with one job each: <see cref="ChannelInbound"/> (buffers and the
/// window we grant), <see cref="ChannelOutbound"/> (sending within the peer's window), <see cref="ChannelRequests"/>
/// (channel requests both ways, in order) and <see cref="UnreadOutputSpill"/> (the exec deadlock relief). The session
/// requests of RFC 4254 §6 (exec, shell, pty-req, ...) are thin encoders over <see cref="SendRequestAsync"/>, in
/// Channel.SessionRequests.cs. Thread-safe; every blocking method has an async twin.
/// </summary>
public sealed partial class Channel : IDisposable, IAsyncDisposable
{
    /// <summary>The window we grant by default, in bytes (OpenSSH's session channels use the same 2 MiB).</summary>
    public const int DefaultWindowSize = 2 * 1024 * 1024;

    /// <summary>The largest data packet we accept by default, in bytes (RFC 4254 §5.1 maximum packet size).</summary>
    public const int DefaultMaxPacketSize = 32 * 1024;

    private readonly IMessageTransport _transport;
    private readonly ConnectionService _connection;
    private readonly object _lock = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Orders our CLOSE against replies to the peer's requests: nothing is sent on a channel after its CLOSE (§5.3).
    private readonly SemaphoreSlim _closeOrder = new(1, 1);
    private readonly ChannelInbound _inbound;
    private readonly ChannelOutbound _outbound;
    private readonly ChannelRequests _requests;
    private readonly UnreadOutputSpill _spill;

    private bool _eofReceived;
    private bool _eofSent;
    private bool _closeSent;
    private bool _closeReceived;
    private Exception? _failure;
    private TimeSpan? _timeout;

    internal Channel(ConnectionService connection, uint localId, string channelType, int windowSize, int maxPacketSize)
    {
        _connection = connection;
        _transport = connection.Transport;
        LocalId = localId;
        ChannelType = channelType;
        _inbound = new ChannelInbound(_transport, this, windowSize, maxPacketSize);
        _outbound = new ChannelOutbound(_transport, this);
        _requests = new ChannelRequests(_transport, this) { Handler = connection.RequestHandler };
        _spill = new UnreadOutputSpill(_inbound);
    }

    /// <summary>The connection's log (<see cref="Diagnostics.ChannelLog"/>).</summary>
    internal Microsoft.Extensions.Logging.ILogger Log => _connection.Log;

    /// <summary>Our channel number.</summary>
    public uint LocalId { get; }

    /// <summary>The peer's channel number.</summary>
    public uint RemoteId { get; private set; }

    /// <summary>The channel type: "session", "direct-tcpip", ... (<see cref="ChannelTypes"/>).</summary>
    public string ChannelType { get; }

    /// <summary>The window we grant the peer, in bytes: how much it may send before we adjust it (RFC 4254 §5.2).</summary>
    public int LocalWindowSize => _inbound.WindowSize;

    /// <summary>The largest data packet we accept, in bytes.</summary>
    public int LocalMaxPacketSize => _inbound.MaxPacketSize;

    /// <summary>The largest data chunk the peer accepts in one message, in bytes.</summary>
    public int RemoteMaxPacketSize => _outbound.MaxPacketSize;

    /// <summary>True once both sides have sent CHANNEL_CLOSE, or the connection is gone.</summary>
    public bool Closed => _closed.Task.IsCompleted;

    /// <summary>True when the peer sent EOF or closed: no more data will arrive.</summary>
    public bool EofReceived
    {
        get { lock (_lock) return _eofReceived || _closeReceived; }
    }

    /// <summary>Completes when the channel is closed in both directions.</summary>
    public Task Completion => _closed.Task;

    /// <summary>The signal the remote process died from, if it reported one.</summary>
    public ExitSignal? ExitSignal => _requests.ExitSignal;

    internal Task OpenTask => _opened.Task;

    // ---- What the read loop delivers (ConnectionService) ----

    internal void OnOpenConfirmed(uint remoteId, uint remoteWindow, uint remoteMaxPacket)
    {
        RemoteId = remoteId;
        _outbound.Open(remoteWindow, remoteMaxPacket);
        _opened.TrySetResult();
    }

    internal void OnOpenFailed(ChannelOpenFailureReason reason, string description)
    {
        Fail(new ChannelException($"The server refused to open a {ChannelType} channel ({reason}): {PeerText.Sanitize(description)}", reason));
    }

    internal void OnWindowAdjust(uint bytesToAdd) => _outbound.OnWindowAdjust(bytesToAdd);

    /// <summary>The hot path: the data of one message into its buffer.</summary>
    internal void OnData(ReadOnlySpan<byte> data, bool stderr, DeferredWakeups? deferred = null)
    {
        _inbound.OnData(data, stderr, deferred);
        if (_spill.AnyoneWaiting) _spill.Relieve();
    }

    internal ValueTask OnDiscardedData(int length) => _inbound.OnDiscardedData(length);

    internal void OnEof()
    {
        lock (_lock) _eofReceived = true;
        _inbound.Complete();
    }

    internal ValueTask OnRequestAsync(ChannelRequest request) => _requests.OnRequestAsync(request);

    internal void OnRequestReply(bool success) => _requests.OnReply(success);

    /// <summary>Read loop: the peer's CLOSE. It waits behind the peer's requests still being decided, so their
    /// replies go first; once we have sent our CLOSE no reply will go, and nothing is left to wait for.</summary>
    internal ValueTask OnCloseAsync()
    {
        bool closeSent;
        lock (_lock) closeSent = _closeSent;
        return !closeSent && _requests.TryQueueClose() ? ValueTask.CompletedTask : OnPeerCloseAsync();
    }

    /// <summary>The peer closed: answer with our CLOSE unless we sent one, and the channel is done (RFC 4254 §5.3).</summary>
    internal async ValueTask OnPeerCloseAsync()
    {
        lock (_lock) _closeReceived = true;
        _inbound.Complete();
        _outbound.Wake();
        _requests.OnClosed();
        // Out of the table before our CLOSE goes: once the peer has it, the channel is gone on both sides, and the
        // peer will send nothing more for this number (RFC 4254 §5.3).
        _connection.Remove(this);
        await SendCloseOnceAsync(CancellationToken.None).ConfigureAwait(false);
        FinishClose();
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
        // Readers get what was buffered, then the error: a lost connection must not look like a clean end.
        _inbound.Complete(error);
        _outbound.Wake();
        FinishClose();
        // Last, so whoever waits for the open finds the channel already out of the table.
        _opened.TrySetException(error);
        _opened.Task.Exception?.Handle(_ => true);
    }

    private void FinishClose()
    {
        _requests.OnClosed();
        _inbound.Complete();
        _connection.Remove(this);
        _closed.TrySetResult();
    }

    /// <summary>Sends our CLOSE unless it was sent already; true when this call sent it.</summary>
    private async ValueTask<bool> SendCloseOnceAsync(CancellationToken cancellationToken)
    {
        await _closeOrder.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_closeSent) return false;
                _closeSent = true;
            }
            await _transport.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelClose, RemoteId), cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _closeOrder.Release();
        }
    }

    /// <summary>Sends a reply to one of the peer's requests, unless we have closed the channel since.</summary>
    internal async ValueTask SendUnlessClosedAsync<T>(T message) where T : IMessage
    {
        await _closeOrder.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_closeSent) return;
            }
            await _transport.SendAsync(message).ConfigureAwait(false);
        }
        finally
        {
            _closeOrder.Release();
        }
    }

    internal void ThrowIfFailed()
    {
        Exception? failure;
        lock (_lock) failure = _failure;
        if (failure is not null) throw failure;
        if (_transport.CloseReason is { } reason) throw reason;
    }

    internal void ThrowIfClosedForSending()
    {
        ThrowIfFailed();
        lock (_lock)
        {
            if (_eofSent || _closeSent || _closeReceived) throw new SshException($"{this} is closed for sending.");
        }
    }

    // ---- Reading ----

    /// <summary>paramiko's settimeout: how long a blocking read or send may wait (null: forever). A timed-out
    /// operation raises <see cref="TimeoutException"/> and leaves the channel usable.</summary>
    public void SetTimeout(TimeSpan? timeout) => _timeout = timeout;

    /// <summary>paramiko's gettimeout: the timeout <see cref="SetTimeout"/> set (null: none).</summary>
    public TimeSpan? GetTimeout() => _timeout;

    /// <summary>paramiko's setblocking: false is a zero timeout, true waits forever.</summary>
    public void SetBlocking(bool blocking) => _timeout = blocking ? null : TimeSpan.Zero;

    /// <summary>Merges stderr into stdout from now on (paramiko's set_combine_stderr). Returns the old setting.</summary>
    public bool SetCombineStderr(bool combine)
    {
        bool old = _inbound.CombineStderr;
        _inbound.CombineStderr = combine;
        return old;
    }

    /// <summary>True when a read would not block: data is buffered, or the stream has ended.</summary>
    public bool RecvReady() => ChannelInbound.IsReady(_inbound.Stdout);

    /// <summary>True when a stderr read would not block.</summary>
    public bool RecvStderrReady() => ChannelInbound.IsReady(_inbound.Stderr);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes of stdout; 0 at end of stream.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(_inbound.Stdout, UnreadOutputSpill.StdoutWaiter, buffer, cancellationToken);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes of stderr (extended data type 1); 0 at end.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask<int> ReadStderrAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(_inbound.Stderr, UnreadOutputSpill.StderrWaiter, buffer, cancellationToken);

    private ValueTask<int> ReadFromAsync(ChannelBuffer source, int waiter, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        _spill.Reclaim(waiter);
        return _inbound.ReadAsync(source, buffer, _timeout, _spill, waiter, cancellationToken);
    }

    /// <summary>The blocking twin of <see cref="ReadAsync"/>: up to <paramref name="buffer"/>.Length bytes of stdout, 0 at
    /// end of stream. The calling thread waits and is woken directly when data arrives, with no thread-pool hop, which
    /// makes a reader on a thread of its own the cheapest way to drain a fast stream.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public int Read(Span<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFrom(_inbound.Stdout, UnreadOutputSpill.StdoutWaiter, buffer, cancellationToken);

    /// <summary>The blocking twin of <see cref="ReadStderrAsync"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public int ReadStderr(Span<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFrom(_inbound.Stderr, UnreadOutputSpill.StderrWaiter, buffer, cancellationToken);

    private int ReadFrom(ChannelBuffer source, int waiter, Span<byte> buffer, CancellationToken cancellationToken)
    {
        _spill.Reclaim(waiter);
        return _inbound.Read(source, buffer, _timeout, _spill, waiter, cancellationToken);
    }

    /// <summary>paramiko's recv: up to <paramref name="count"/> bytes; empty at end of stream.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public async Task<byte[]> RecvAsync(int count, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[count];
        return Received(buffer, await ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>paramiko's recv_stderr: up to <paramref name="count"/> bytes of stderr; empty at end of stream.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public async Task<byte[]> RecvStderrAsync(int count, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[count];
        return Received(buffer, await ReadStderrAsync(buffer, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The blocking twin of <see cref="RecvAsync"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public byte[] Recv(int count)
    {
        byte[] buffer = new byte[count];
        return Received(buffer, Read(buffer));
    }

    /// <summary>The blocking twin of <see cref="RecvStderrAsync"/>.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public byte[] RecvStderr(int count)
    {
        byte[] buffer = new byte[count];
        return Received(buffer, ReadStderr(buffer));
    }

    /// <summary>The first <paramref name="n"/> bytes of a recv buffer (the buffer itself when it was filled).</summary>
    private static byte[] Received(byte[] buffer, int n) => n == buffer.Length ? buffer : buffer[..n];

    /// <summary>Stops reading: reads return end of stream from now on.</summary>
    public void ShutdownRead() => _inbound.ShutdownRead();

    // ---- Writing ----

    /// <summary>paramiko's send: sends as much as the window allows right now (waiting for at least one byte);
    /// returns how many bytes went.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _outbound.SendChunkAsync(data, 0, _timeout, cancellationToken);

    /// <summary>Sends some of <paramref name="data"/> on stderr (extended data type 1), as <see cref="SendAsync"/>.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask<int> SendStderrAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _outbound.SendChunkAsync(data, 1, _timeout, cancellationToken);

    /// <summary>paramiko's sendall: sends all of <paramref name="data"/>, waiting for window as needed.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAllAsync(data, 0, cancellationToken);

    /// <summary>Sends all of <paramref name="data"/> on stderr (extended data type 1); a server's session uses it.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public ValueTask SendAllStderrAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendAllAsync(data, 1, cancellationToken);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, uint extendedType, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int sent = await _outbound.SendChunkAsync(data, extendedType, _timeout, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>The blocking twin of <see cref="SendAsync"/>.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public int Send(ReadOnlySpan<byte> data) => SendChunk(data, 0);

    /// <summary>The blocking twin of <see cref="SendAllAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public void SendAll(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty) data = data[SendChunk(data, 0)..];
    }

    /// <summary>The blocking twin of <see cref="SendStderrAsync"/>.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public int SendStderr(ReadOnlySpan<byte> data) => SendChunk(data, 1);

    /// <summary>The blocking twin of <see cref="SendAllStderrAsync"/>.</summary>
    /// <exception cref="TimeoutException">The peer's window stayed shut for the channel's timeout (<see cref="SetTimeout"/>); the channel stays usable.</exception>
    public void SendAllStderr(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty) data = data[SendChunk(data, 1)..];
    }

    /// <summary><see cref="SendAll"/> for data its caller leaves untouched until the call returns (an array a stream
    /// write was given): sent straight from it, with no copy.</summary>
    internal void SendAllBlocking(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty) data = data[_outbound.SendChunk(data, 0, _timeout)..];
    }

    /// <summary>One blocking send of the start of <paramref name="data"/>, waiting for window on this thread. The
    /// packet is built from a pooled copy of at most one maximum packet (all one send can take), so a script sending
    /// in a loop makes no garbage per call.</summary>
    private int SendChunk(ReadOnlySpan<byte> data, uint extendedType)
    {
        if (data.IsEmpty) return 0;
        int length = Math.Min(data.Length, 256 * 1024);
        byte[] copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data[..length].CopyTo(copy);
            return _outbound.SendChunk(copy.AsMemory(0, length), extendedType, _timeout);
        }
        finally
        {
            // Only once the send is over: the packet was built from the copy.
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    /// <summary>True when a send would not block (the peer's window is open).</summary>
    public bool SendReady() => _outbound.HasWindow || Closed;

    /// <summary>paramiko's shutdown_write: sends EOF, after the data in flight; nothing more is sent.</summary>
    public async Task ShutdownWriteAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_eofSent || _closeSent) return;
            _eofSent = true;
        }
        await _outbound.SendEofAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blocking twin of <see cref="ShutdownWriteAsync"/>.</summary>
    public void ShutdownWrite() => ShutdownWriteAsync().GetAwaiter().GetResult();

    /// <summary>paramiko's shutdown: 0 stops reading, 1 stops writing (EOF), 2 both.</summary>
    public void Shutdown(int how)
    {
        if (how is 0 or 2) ShutdownRead();
        if (how is 1 or 2) ShutdownWrite();
    }

    /// <summary>paramiko's makefile: the stdout stream as a file.</summary>
    public ChannelFile MakeFile(int bufsize = -1) => new(this, ChannelStreamKind.Stdout, bufsize);

    /// <summary>paramiko's makefile_stderr.</summary>
    public ChannelFile MakeFileStderr(int bufsize = -1) => new(this, ChannelStreamKind.Stderr, bufsize);

    /// <summary>paramiko's makefile_stdin: writes go to the remote stdin; closing it sends EOF.</summary>
    public ChannelFile MakeFileStdin(int bufsize = -1) => new(this, ChannelStreamKind.Stdin, bufsize);

    /// <summary>This channel as a <see cref="System.IO.Stream"/>; disposing the stream sends EOF and closes the
    /// channel unless <paramref name="ownsChannel"/> is false.</summary>
    public ChannelStream AsStream(bool ownsChannel = true) => new(this, ownsChannel);

    // ---- Requests (RFC 4254 §5.4, §6) ----

    /// <summary>Sends a channel request (RFC 4254 §5.4). With <paramref name="wantReply"/>, waits for the answer and
    /// returns whether the peer accepted it; without, returns true once it is sent.</summary>
    public Task<bool> SendRequestAsync(string requestType, bool wantReply, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        return _requests.SendAsync(requestType, wantReply, data, cancellationToken);
    }

    /// <summary>True once the exit status arrived (or the channel closed without one).</summary>
    public bool ExitStatusReady() => _requests.ExitStatus.IsCompleted;

    /// <summary>Waits for the remote command's exit status; -1 when the channel closed without one (as paramiko).</summary>
    public async Task<int> RecvExitStatusAsync(CancellationToken cancellationToken = default)
    {
        Task<int> status = _requests.ExitStatus;
        if (status.IsCompleted) return await status.ConfigureAwait(false);
        // While we wait, unread output must not hold the command up (UnreadOutputSpill).
        _spill.SetWaiting(UnreadOutputSpill.ExitWaiter, true);
        try
        {
            return await status.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _spill.SetWaiting(UnreadOutputSpill.ExitWaiter, false);
        }
    }

    /// <summary>The blocking twin of <see cref="RecvExitStatusAsync"/>.</summary>
    public int RecvExitStatus() => RecvExitStatusAsync().GetAwaiter().GetResult();

    // ---- Closing ----

    /// <summary>Sends CHANNEL_CLOSE (once) and waits briefly (10 s at most) for the peer's. Output not read by then
    /// is discarded (a spill file with it is deleted).</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        bool opened = _opened.Task.IsCompletedSuccessfully;
        if (opened && _transport.IsConnected)
        {
            try
            {
                if (await SendCloseOnceAsync(cancellationToken).ConfigureAwait(false))
                    await _closed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or TimeoutException)
            {
                // The connection went away or the peer never answered: the channel is closed on our side.
            }
        }
        else
        {
            lock (_lock) _closeSent = true;
        }
        _inbound.Complete();
        if (!opened || !_transport.IsConnected) FinishClose();
        // The application is done with the channel: output it never read goes, spill file and all.
        _inbound.Dispose();
    }

    /// <summary>The blocking twin of <see cref="CloseAsync"/>.</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Closes the channel (<see cref="Close"/>).</summary>
    public void Dispose() => Close();

    /// <summary>Closes the channel (<see cref="CloseAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public override string ToString() => $"Channel {LocalId} ({ChannelType})";
}
