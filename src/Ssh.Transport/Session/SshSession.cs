using System.IO.Pipelines;
using System.Threading.Channels;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using Ssh.Transport.Packets;

namespace Ssh.Transport.Session;

/// <summary>
/// One SSH transport connection (RFC 4253), either side: the version exchange, one read loop that dispatches
/// every packet, the serialised write path, and the key exchanges. Above it sit user authentication (which reads
/// its messages from <see cref="ReceiveServiceMessageAsync"/>) and the connection protocol (an
/// <see cref="IConnectionHandler"/>, reachable only after authentication).
/// </summary>
internal sealed partial class SshSession : IMessageTransport, IAsyncDisposable
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
    public CancellationToken Lifetime => _lifetime.Token;

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
}
