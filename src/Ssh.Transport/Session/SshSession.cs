using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Ssh.Transport.Diagnostics;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;

namespace Ssh.Transport.Session;

/// <summary>
/// One SSH transport connection (RFC 4253), either side: the version exchange, the one read loop (its messages
/// routed by <see cref="MessageRouter"/>), the write path (<see cref="SessionWriter"/>), the key exchanges
/// (<see cref="KeyExchanger"/>) and the session's end. Above it sit user authentication, which reads its messages
/// from <see cref="ReceiveServiceMessageAsync"/>, and the connection protocol, an <see cref="IConnectionHandler"/>
/// reachable only after authentication.
/// </summary>
internal sealed class SshSession : IMessageTransport, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PacketReader _reader;
    private readonly SessionWriter _writer;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ServiceMessageQueue _serviceMessages = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KeyExchanger _kex;
    private readonly MessageRouter _router;
    private Task? _readLoop;
    private Exception? _closeReason;
    private int _closing;
    private int _disposed;

    public SshSession(Stream stream, SessionRole role, TransportSettings settings)
    {
        _stream = stream;
        Role = role;
        Settings = settings;
        Log = TransportLog.Create(settings, TransportLog.Category);
        AuthLog = TransportLog.Create(settings, Diagnostics.AuthLog.Category);
        // Zero-byte reads: wait for data before renting a read buffer, so an idle connection holds none.
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384, leaveOpen: true, useZeroByteReads: true));
        _reader = new PacketReader(_input);
        _writer = new SessionWriter(new PacketWriter(stream), ClosedError);
        // Delayed compression (zlib@openssh.com) starts in both directions right after USERAUTH_SUCCESS: the server
        // once it has sealed its SUCCESS, the client once it has read it (OpenSSH PROTOCOL §1.3).
        if (role == SessionRole.Client) _reader.UserauthSuccessReceived = StartDelayedCompression;
        else _writer.Packets.UserauthSuccessSent = StartDelayedCompression;
        _kex = new KeyExchanger(this);
        _router = new MessageRouter(this, _kex, _serviceMessages);
    }

    public SessionRole Role { get; }

    /// <summary>The transport's events (<see cref="TransportLog"/>); the null logger when none was given.</summary>
    internal ILogger Log { get; }

    /// <summary>User authentication's events (<see cref="Diagnostics.AuthLog"/>).</summary>
    internal ILogger AuthLog { get; }
    public TransportSettings Settings { get; }
    public string LocalVersion { get; } = VersionExchange.OurVersion;
    public string RemoteVersion { get; private set; } = "";

    /// <summary>H of the first key exchange (RFC 4253 §7.2); null until it completes.</summary>
    public byte[]? SessionId { get; internal set; }

    /// <summary>Client: the server's host key, once verified. Server: null.</summary>
    public SshPublicKey? RemoteHostKey { get; internal set; }

    /// <summary>Client: decides whether to trust the server's host key; throws to refuse it. It runs during the
    /// first key exchange, when nothing else can be on the connection yet.</summary>
    public Func<SshPublicKey, CancellationToken, ValueTask>? HostKeyVerifier { get; set; }

    /// <summary>Server: the host keys to offer.</summary>
    public IReadOnlyList<SshPrivateKey> HostKeys { get; set; } = [];

    /// <summary>K_S of the first key exchange as sent: the blob of the host key (or certificate) the server proved it
    /// holds. publickey-hostbound requests name it (OpenSSH PROTOCOL §2.5).</summary>
    public byte[]? HostKeyBlob { get; internal set; }

    /// <summary>Client: the server announced <c>publickey-hostbound@openssh.com</c> version 0 in its EXT_INFO.</summary>
    public bool ServerSupportsHostBoundPublicKey { get; internal set; }

    /// <summary>The peer's <c>server-sig-algs</c> (RFC 8308 §3.1), when it sent one.</summary>
    public IReadOnlyList<string>? ServerSignatureAlgorithms { get; internal set; }

    /// <summary>The peer advertised <c>ping@openssh.com</c> (OpenSSH PROTOCOL §1.9): it answers PING with PONG.</summary>
    public bool PeerAnswersPing { get; internal set; }

    /// <summary>Sends PING (OpenSSH PROTOCOL §1.9); the peer's PONG, like any packet, updates
    /// <see cref="LastReceivedTimestamp"/>.</summary>
    internal ValueTask SendPingAsync(CancellationToken cancellationToken) =>
        SendAsync(new PingMessage(MessageNumber.Ping, ReadOnlyMemory<byte>.Empty), cancellationToken);

    /// <summary>Whether the peer asked for RFC 8308 extension negotiation.</summary>
    internal bool PeerWantsExtInfo { get; set; }

    /// <summary>The algorithms of the last completed key exchange.</summary>
    public NegotiatedAlgorithms? Algorithms { get; internal set; }

    /// <summary>Set once user authentication has succeeded; from then on connection messages flow.</summary>
    public bool IsAuthenticated { get; private set; }

    public IConnectionHandler? ConnectionHandler { get; set; }

    public bool IsConnected => _closeReason is null && _closing == 0;

    /// <summary>Completes when the session is closed; faults with the reason when it failed.</summary>
    public Task Completion => _closed.Task;

    public Exception? CloseReason => _closeReason;

    /// <summary>How many key exchanges have completed (the first one included).</summary>
    public int KeyExchangeCount => _kex.CompletedCount;

    /// <summary>When the last packet arrived (<see cref="Environment.TickCount64"/>), for keepalives.</summary>
    public long LastReceivedTimestamp { get; private set; } = Environment.TickCount64;

    internal PacketReader Reader => _reader;
    internal PacketWriter Writer => _writer.Packets;
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Exchanges versions, starts the read loop and completes the first key exchange.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        Task firstKex;
        using (var versionDeadline = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
        {
            versionDeadline.CancelAfter(Settings.VersionExchangeTimeout);
            try
            {
                TransportLog.LocalVersion(Log, LocalVersion);
                await VersionExchange.SendAsync(_stream, LocalVersion, versionDeadline.Token).ConfigureAwait(false);
                // RFC 4253 §7.1: key exchange begins right after the identification string is sent. Our KEXINIT goes
                // now, behind our version line, instead of a round trip later behind the peer's.
                firstKex = _kex.FirstCompletion;
                await _kex.StartAsync("initial").ConfigureAwait(false);
                // A KEXINIT that could not be made (a server with no usable host key) is the error to report, not the
                // closed connection the version read would meet next.
                if (_closeReason is { } kexFailed) throw Wrap(kexFailed);
                RemoteVersion = await VersionExchange.ReceiveAsync(_input, allowPreamble: Role == SessionRole.Client, versionDeadline.Token).ConfigureAwait(false);
                TransportLog.RemoteVersion(Log, RemoteVersion);
            }
            catch (OperationCanceledException) when (versionDeadline.IsCancellationRequested && !linked.IsCancellationRequested)
            {
                var error = new TimeoutException(
                    $"The peer sent no SSH version line within {Settings.VersionExchangeTimeout.TotalSeconds:0.#} s of connecting (RFC 4253 §4.2); is it an SSH {(Role == SessionRole.Client ? "server" : "client")}?");
                await FailAsync(error).ConfigureAwait(false);
                throw error;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await FailAsync(e).ConfigureAwait(false);
                throw Wrap(e);
            }
        }
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        try
        {
            await firstKex.WaitAsync(Settings.KeyExchangeTimeout, linked.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var error = new TimeoutException($"The key exchange did not finish within {Settings.KeyExchangeTimeout.TotalSeconds:0} s.");
            await FailAsync(error).ConfigureAwait(false);
            throw error;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && _closeReason is not null)
        {
            throw Wrap(_closeReason);
        }
        catch (OperationCanceledException)
        {
            await FailAsync(new SshConnectionException("The handshake was cancelled.")).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The one reader of the connection: each packet is routed, then the rekey limits are checked.</summary>
    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                // Before any wait, the connection layer wakes the readers it held back while packets kept coming.
                ValueTask<ReadOnlyMemory<byte>> next = _reader.ReadPacketAsync(_lifetime.Token);
                if (!next.IsCompleted) ConnectionHandler?.OnReadIdle();
                ReadOnlyMemory<byte> payload = await next.ConfigureAwait(false);
                LastReceivedTimestamp = Environment.TickCount64;
                ValueTask routed = _router.RouteAsync(payload, _reader.SequenceNumber - 1, _lifetime.Token);
                if (!routed.IsCompleted) ConnectionHandler?.OnReadIdle();
                await routed.ConfigureAwait(false);
                if (_kex.IsRekeyDue())
                {
                    ConnectionHandler?.OnReadIdle();
                    await _kex.StartAsync(KeyExchanger.LimitReached).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            await FailAsync(null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
        }
    }

    /// <summary>Marks the user as authenticated. The server calls this just before sending USERAUTH_SUCCESS;
    /// the client's read loop does it on receiving it.</summary>
    internal void MarkAuthenticated() => IsAuthenticated = true;

    /// <summary>The next transport-service message (SERVICE_REQUEST/ACCEPT and userauth, 50–79) while
    /// authentication runs.</summary>
    public ValueTask<byte[]> ReceiveServiceMessageAsync(CancellationToken cancellationToken) =>
        _serviceMessages.DequeueAsync(() => Wrap(_closeReason ?? new SshConnectionException("The connection is closed.")), cancellationToken);

    // ---- Sending ----

    /// <summary>Sends a message. During a key exchange, anything but key-exchange messages is held and sent in
    /// order once NEWKEYS is out (RFC 4253 §7.1), so callers never wait on the exchange itself.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage
    {
        if (ClosedError() is { } closed) throw closed;
        try
        {
            await _writer.WriteAsync(message, cancellationToken, _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not SshException)
        {
            var error = new SshConnectionException("Writing to the connection failed: " + e.Message, e);
            _ = FailAsync(error);
            throw error;
        }
        if (!_writer.HoldingForKex && _kex.IsRekeyDue()) _ = _kex.StartAsync(KeyExchanger.LimitReached);
    }

    /// <summary>Sends our KEXINIT and holds other outbound messages until our NEWKEYS.</summary>
    internal async ValueTask SendKexInitAsync(byte[] payload)
    {
        await _writer.WriteKexInitAsync(payload, _lifetime.Token).ConfigureAwait(false);
        if (SessionId is not null) _ = EnforceRekeyDeadlineAsync(KeyExchangeCount);
    }

    /// <summary>A re-exchange that does not finish within <see cref="TransportSettings.KeyExchangeTimeout"/> ends the
    /// connection: while it runs our outbound messages are held, and a peer that stalls it must not hold them forever.
    /// (The first exchange has its own deadline in <see cref="StartAsync"/>.)</summary>
    private async Task EnforceRekeyDeadlineAsync(int completedBefore)
    {
        try
        {
            await Task.Delay(Settings.KeyExchangeTimeout, _lifetime.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (KeyExchangeCount == completedBefore)
            await FailAsync(new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer did not finish the key exchange within {Settings.KeyExchangeTimeout.TotalSeconds:0} s.")).ConfigureAwait(false);
    }

    /// <summary>Sends NEWKEYS and switches outbound keys; see <see cref="SessionWriter.WriteNewKeysAsync"/>.</summary>
    internal ValueTask SendNewKeysAsync(IPacketCipher outbound, string compression, bool resetSequenceNumber, IMessage? firstMessage) =>
        _writer.WriteNewKeysAsync(outbound, compression, IsAuthenticated, resetSequenceNumber, firstMessage, _lifetime.Token);

    private void StartDelayedCompression()
    {
        _reader.EnableDelayedCompression();
        _writer.Packets.EnableDelayedCompression();
    }

    /// <summary>Starts a key exchange now (paramiko's renegotiate_keys); completes when it has finished.</summary>
    public async Task RekeyAsync(CancellationToken cancellationToken = default)
    {
        if (ClosedError() is { } closed) throw closed;
        Task done = await _kex.StartAsync("requested by the application").ConfigureAwait(false);
        await done.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private Exception? ClosedError() =>
        _closeReason is not null ? Wrap(_closeReason)
        : _closing != 0 ? new SshConnectionException("The connection is closing.")
        : null;

    // ---- Ending ----

    /// <summary>Sends DISCONNECT and closes the connection.</summary>
    public async Task DisconnectAsync(DisconnectReason reason, string description)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) == 0)
        {
            TransportLog.DisconnectSent(Log, reason, description);
            await _writer.TryWriteDisconnectAsync(reason, description).ConfigureAwait(false);
            Close(null);
        }
        try
        {
            await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reason is in CloseReason.
        }
    }

    /// <summary>Ends the session because of <paramref name="error"/> (a dead peer, say).</summary>
    internal Task AbortAsync(Exception error) => FailAsync(error);

    /// <summary>Ends the session after an error: tells the peer why (unless it told us), then closes.</summary>
    internal async Task FailAsync(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0) return;
        if (error is SshProtocolException { SentByPeer: false } protocolError)
        {
            TransportLog.DisconnectSent(Log, protocolError.Reason, protocolError.Message);
            await _writer.TryWriteDisconnectAsync(protocolError.Reason, protocolError.Message).ConfigureAwait(false);
        }
        else if (error is not null and not SshProtocolException { SentByPeer: true } && Log.IsEnabled(LogLevel.Information))
        {
            TransportLog.ConnectionFailed(Log, Wrap(error).Message);
        }
        Close(error);
    }

    private void Close(Exception? error)
    {
        _closeReason = error is null ? new SshConnectionException("The connection was closed.") : Wrap(error);
        _lifetime.Cancel();
        try
        {
            _stream.Dispose();
        }
        catch (Exception)
        {
            // Closing a broken socket can throw; it is closed either way.
        }
        _serviceMessages.Complete(_closeReason);
        _writer.OnClosed(_closeReason);
        _kex.OnClosed(_closeReason);
        ConnectionHandler?.OnSessionClosed(error is null ? null : _closeReason);
        TransportLog.ConnectionClosed(Log);
        if (error is null) _closed.TrySetResult();
        else _closed.TrySetException(_closeReason);
    }

    internal static Exception Wrap(Exception e) => e switch
    {
        SshException => e,
        IOException or System.Net.Sockets.SocketException or ObjectDisposedException =>
            new SshConnectionException("The connection was lost: " + e.Message, e),
        OperationCanceledException => new SshConnectionException("The connection was closed.", e),
        // A handshake deadline: the call that waited got the TimeoutException itself; later calls find the connection closed.
        TimeoutException => new SshConnectionException("The connection was closed: " + e.Message, e),
        _ => new SshException("The connection failed: " + e.Message, e),
    };

    public async ValueTask DisposeAsync()
    {
        // Idempotent: SshClient closes on a failed connect and again when disposed, and the packet buffers must go
        // back to the shared pool exactly once or two later connections end up sharing one.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_closing == 0)
            await DisconnectAsync(DisconnectReason.ByApplication, "Closed by application.").ConfigureAwait(false);
        bool readLoopDone = _readLoop is null;
        if (_readLoop is not null)
        {
            try
            {
                await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                readLoopDone = true;
            }
            catch (TimeoutException)
            {
                // Still running: its buffer is not ours to give back.
            }
            catch (Exception)
            {
                readLoopDone = true; // Already reported through CloseReason.
            }
        }
        if (readLoopDone) _reader.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
        _kex.Dispose();
    }
}
