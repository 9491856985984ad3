using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Session;

/// <summary>
/// One SSH transport connection (RFC 4253), either side: the version exchange, one read loop that dispatches
/// every packet, the serialised write path, and the key exchanges. Above it sit user authentication (which reads
/// its messages from <see cref="ReceiveServiceMessageAsync"/>) and the connection protocol (an
/// <see cref="IConnectionHandler"/>, reachable only after authentication).
/// </summary>
internal sealed class SshSession : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Channel<byte[]> _serviceMessages = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<byte[]> _heldDuringKex = new();
    private readonly KeyExchanger _kex;
    private Task? _readLoop;
    private Exception? _closeReason;
    private bool _outboundHeldForKex;
    private int _closing;
    private int _disposed;

    public SshSession(Stream stream, SessionRole role, TransportSettings settings)
    {
        _stream = stream;
        Role = role;
        Settings = settings;
        // Zero-byte reads: wait for data before renting a read buffer, so an idle connection holds none.
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384, leaveOpen: true, useZeroByteReads: true));
        _reader = new PacketReader(_input);
        _writer = new PacketWriter(stream);
        _kex = new KeyExchanger(this);
    }

    public SessionRole Role { get; }
    public TransportSettings Settings { get; }
    public string LocalVersion { get; private set; } = VersionExchange.OurVersion;
    public string RemoteVersion { get; private set; } = "";

    /// <summary>H of the first key exchange (RFC 4253 §7.2); null until it completes.</summary>
    public byte[]? SessionId { get; internal set; }

    /// <summary>Client: the server's host key, once verified. Server: null.</summary>
    public SshPublicKey? RemoteHostKey { get; internal set; }

    /// <summary>Client: decides whether to trust the server's host key; throws to refuse it.</summary>
    public Func<SshPublicKey, CancellationToken, ValueTask>? HostKeyVerifier { get; set; }

    /// <summary>Server: the host keys to offer.</summary>
    public IReadOnlyList<SshPrivateKey> HostKeys { get; set; } = [];

    /// <summary>The peer's <c>server-sig-algs</c> (RFC 8308 §3.1), when it sent one.</summary>
    public IReadOnlyList<string>? ServerSignatureAlgorithms { get; internal set; }

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
    internal PacketWriter Writer => _writer;
    internal CancellationToken Lifetime => _lifetime.Token;

    /// <summary>Exchanges versions, starts the read loop and completes the first key exchange.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        try
        {
            await VersionExchange.SendAsync(_stream, LocalVersion, linked.Token).ConfigureAwait(false);
            RemoteVersion = await VersionExchange.ReceiveAsync(_input, allowPreamble: Role == SessionRole.Client, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await FailAsync(e).ConfigureAwait(false);
            throw Wrap(e);
        }
        Task firstKex = _kex.FirstCompletion;
        _readLoop = Task.Run(ReadLoopAsync, CancellationToken.None);
        await _kex.StartAsync().ConfigureAwait(false);
        try
        {
            await firstKex.WaitAsync(Settings.KeyExchangeTimeout, linked.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var error = new SshConnectionException($"The key exchange did not finish within {Settings.KeyExchangeTimeout.TotalSeconds:0} s.");
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

    /// <summary>Marks the user as authenticated. The server calls this just before sending USERAUTH_SUCCESS;
    /// the client's read loop does it on receiving it.</summary>
    internal void MarkAuthenticated() => IsAuthenticated = true;

    /// <summary>The next transport-service message (SERVICE_REQUEST/ACCEPT and userauth, 50–79) while
    /// authentication runs.</summary>
    public async ValueTask<byte[]> ReceiveServiceMessageAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _serviceMessages.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Wrap(_closeReason ?? new SshConnectionException("The connection is closed."));
        }
    }

    /// <summary>Sends a message. During a key exchange, anything but key-exchange messages is held and sent in
    /// order once NEWKEYS is out (RFC 4253 §7.1), so callers never wait on the exchange itself.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage
    {
        ThrowIfClosed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool rekeyNeeded;
        try
        {
            ThrowIfClosed();
            int length = Fill(message);
            byte number = _writer.Payload[0];
            if (_outboundHeldForKex && !MessageRanges.IsKex(number) && number != (byte)MessageNumber.Disconnect)
            {
                _heldDuringKex.Enqueue(_writer.Payload[..length].ToArray());
                _writer.Discard(length);
                return;
            }
            // A packet, once started, is finished whatever the caller's token says: half a packet breaks the stream.
            await _writer.WriteAsync(length, _lifetime.Token).ConfigureAwait(false);
            rekeyNeeded = !_outboundHeldForKex && _kex.IsRekeyDue();
        }
        catch (Exception e) when (e is not OperationCanceledException and not SshException)
        {
            var error = new SshConnectionException("Writing to the connection failed: " + e.Message, e);
            _ = FailAsync(error);
            throw error;
        }
        finally
        {
            _writeLock.Release();
        }
        if (rekeyNeeded) _ = _kex.StartAsync();
    }

    private int Fill<T>(T message) where T : IMessage
    {
        var w = new SshWriter(_writer.Payload);
        message.Write(ref w);
        return w.Position;
    }

    /// <summary>Sends our KEXINIT and holds other outbound messages until our NEWKEYS.</summary>
    internal async ValueTask SendKexInitAsync(byte[] payload)
    {
        await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            _outboundHeldForKex = true;
            payload.CopyTo(_writer.Payload);
            await _writer.WriteAsync(payload.Length, _lifetime.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends NEWKEYS, switches outbound keys, then releases what was held, in order (RFC 4253 §7.3).</summary>
    internal async ValueTask SendNewKeysAsync(Algorithms.Ciphers.IPacketCipher outbound, bool resetSequenceNumber, IMessage? firstMessage)
    {
        await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            int length = Fill(new NewKeysMessage());
            await _writer.WriteAsync(length, _lifetime.Token).ConfigureAwait(false);
            _writer.SetCipher(outbound, resetSequenceNumber);
            if (firstMessage is not null)
            {
                var w = new SshWriter(_writer.Payload);
                firstMessage.Write(ref w);
                await _writer.WriteAsync(w.Position, _lifetime.Token).ConfigureAwait(false);
            }
            _outboundHeldForKex = false;
            while (_heldDuringKex.TryDequeue(out byte[]? held))
            {
                held.CopyTo(_writer.Payload);
                await _writer.WriteAsync(held.Length, _lifetime.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Starts a key exchange now (paramiko's renegotiate_keys); completes when it has finished.</summary>
    public async Task RekeyAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        Task done = await _kex.StartAsync().ConfigureAwait(false);
        await done.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> payload = await _reader.ReadPacketAsync(_lifetime.Token).ConfigureAwait(false);
                LastReceivedTimestamp = Environment.TickCount64;
                await DispatchAsync(payload).ConfigureAwait(false);
                if (_kex.IsRekeyDue()) await _kex.StartAsync().ConfigureAwait(false);
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

    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a packet with an empty payload.");
        byte number = payload.Span[0];

        if (_kex.FilterDuringKex(number)) return;

        switch (number)
        {
            case (byte)MessageNumber.Disconnect:
                DisconnectMessage d = DisconnectMessage.Read(payload.Span);
                throw new SshProtocolException(d.Reason,
                    $"The peer disconnected ({d.Reason}): {Sanitize(d.Description)}", sentByPeer: true);
            case (byte)MessageNumber.Ignore:
            case (byte)MessageNumber.Debug:
            case (byte)MessageNumber.Unimplemented:
                return;
            case (byte)MessageNumber.ServiceRequest:
            case (byte)MessageNumber.ServiceAccept:
                if (IsAuthenticated)
                    throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message after authentication.");
                await QueueServiceMessageAsync(payload).ConfigureAwait(false);
                return;
            case (byte)MessageNumber.ExtInfo:
                OnExtInfo(payload.Span);
                return;
        }

        if (MessageRanges.IsKex(number))
        {
            await _kex.HandleAsync(payload).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsUserauth(number))
        {
            if (IsAuthenticated) return; // RFC 4252 §5.1: requests after success are ignored
            if (Role == SessionRole.Client && number == (byte)MessageNumber.UserauthSuccess) MarkAuthenticated();
            await QueueServiceMessageAsync(payload).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsConnection(number))
        {
            if (!IsAuthenticated || ConnectionHandler is null)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent connection-protocol message {number} before authentication completed.");
            await ConnectionHandler.HandleMessageAsync(payload, _lifetime.Token).ConfigureAwait(false);
            return;
        }
        // RFC 4253 §11.4: reply UNIMPLEMENTED with the packet's sequence number.
        await SendAsync(new UnimplementedMessage(_reader.SequenceNumber - 1)).ConfigureAwait(false);
    }

    private async ValueTask QueueServiceMessageAsync(ReadOnlyMemory<byte> payload)
    {
        if (SessionId is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message before the key exchange completed.");
        await _serviceMessages.Writer.WriteAsync(payload.ToArray(), _lifetime.Token).ConfigureAwait(false);
    }

    private void OnExtInfo(ReadOnlySpan<byte> payload)
    {
        ExtInfoMessage info = ExtInfoMessage.Read(payload);
        foreach (var (name, value) in info.Extensions)
        {
            if (name == "server-sig-algs" && Role == SessionRole.Client)
            {
                // RFC 8308 §3.1: the value's bytes are the name-list's content, without a further length.
                ServerSignatureAlgorithms = System.Text.Encoding.ASCII.GetString(value).Split(',', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }

    /// <summary>Sends DISCONNECT and closes the connection.</summary>
    public async Task DisconnectAsync(DisconnectReason reason, string description)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            await WaitClosedQuietlyAsync().ConfigureAwait(false);
            return;
        }
        await TrySendDisconnectAsync(reason, description).ConfigureAwait(false);
        Close(null);
        await WaitClosedQuietlyAsync().ConfigureAwait(false);
    }

    private async Task WaitClosedQuietlyAsync()
    {
        try
        {
            await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The reason is in CloseReason.
        }
    }

    /// <summary>Ends the session after an error: tells the peer why (unless it told us), then closes.</summary>
    /// <summary>Ends the session because of <paramref name="error"/> (a dead peer, say).</summary>
    internal Task AbortAsync(Exception error) => FailAsync(error);

    internal async Task FailAsync(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            return;
        }
        if (error is SshProtocolException { SentByPeer: false } protocolError)
            await TrySendDisconnectAsync(protocolError.Reason, protocolError.Message).ConfigureAwait(false);
        Close(error);
    }

    private async Task TrySendDisconnectAsync(DisconnectReason reason, string description)
    {
        try
        {
            // Bounded: a peer that stopped reading must not hold up the close.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (!await _writeLock.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false)) return;
            try
            {
                int length = Fill(new DisconnectMessage(reason, description.Length > 200 ? description[..200] : description));
                await _writer.WriteAsync(length, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception)
        {
            // Best effort: the connection may already be gone.
        }
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
        _serviceMessages.Writer.TryComplete(_closeReason);
        _kex.OnClosed(_closeReason);
        ConnectionHandler?.OnSessionClosed(error is null ? null : _closeReason);
        if (error is null) _closed.TrySetResult();
        else _closed.TrySetException(_closeReason);
    }

    internal static Exception Wrap(Exception e) => e switch
    {
        SshException => e,
        IOException or System.Net.Sockets.SocketException or ObjectDisposedException =>
            new SshConnectionException("The connection was lost: " + e.Message, e),
        OperationCanceledException => new SshConnectionException("The connection was closed.", e),
        _ => new SshException("The connection failed: " + e.Message, e),
    };

    private void ThrowIfClosed()
    {
        if (_closeReason is not null) throw Wrap(_closeReason);
        if (_closing != 0) throw new SshConnectionException("The connection is closing.");
    }

    /// <summary>Peer text goes into exception messages and logs: strip control characters (terminal escapes).</summary>
    internal static string Sanitize(string text)
    {
        var chars = text.Where(c => !char.IsControl(c) || c == ' ').Take(512).ToArray();
        return new string(chars);
    }

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
        // A send that got past its closed-check may still be filling the packet buffer: wait it out. Later ones
        // find the session closed once they hold the lock.
        if (await _writeLock.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false))
        {
            _writer.Dispose();
            _writeLock.Release();
        }
        _kex.Dispose();
    }
}
