using System.Net;
using Ssh.Channels.Forwarding;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>
/// paramiko's <c>Transport</c> (renamed so it never clashes with the <c>Ssh.Transport</c> namespace): one SSH
/// connection over a stream. Start it as a client (<see cref="StartClientAsync"/>, then authenticate) or as a server
/// (<see cref="StartServerAsync"/>), then open or accept channels. Thread-safe; every blocking method has an async
/// twin.
/// </summary>
public sealed partial class SshTransport : IDisposable, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly List<SshPrivateKey> _serverKeys = [];
    private SshSession? _session;
    private ConnectionService? _connection;
    private UserAuthClient? _auth;
    private Keepalive? _keepalive;
    private readonly AgentForwarding _agentForwarding = new();

    /// <summary>Wraps a connected stream (a socket's <see cref="System.Net.Sockets.NetworkStream"/>, or any duplex
    /// stream). Nothing is sent until <see cref="StartClientAsync"/> or <see cref="StartServerAsync"/>.</summary>
    public SshTransport(Stream stream, TransportSettings? settings = null)
    {
        _stream = stream;
        Settings = settings?.Clone() ?? new TransportSettings();
    }

    /// <summary>Opens a TCP connection (with TCP_NODELAY: SSH is latency-bound on small packets) and wraps it.</summary>
    /// <exception cref="SshConnectionException">The host cannot be reached.</exception>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed before the TCP connection was made.</exception>
    public static async Task<SshTransport> ConnectAsync(string host, int port = 22, TransportSettings? settings = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Stream stream = await SocketConnector.ConnectAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        return new SshTransport(stream, settings);
    }

    internal SshSession Session => _session ?? throw new InvalidOperationException("The transport has not been started.");

    internal ConnectionService Connection => _connection ?? throw new InvalidOperationException("The transport has not been started.");

    /// <summary>The algorithm preferences and limits of this connection (a copy of those given).</summary>
    public TransportSettings Settings { get; }

    /// <summary>True while the connection is up (after the first key exchange).</summary>
    public bool IsActive => _session is { IsConnected: true, SessionId: not null };

    /// <summary>True once a user has authenticated.</summary>
    public bool IsAuthenticated => _session?.IsAuthenticated ?? false;

    /// <summary>True when this side is the server.</summary>
    public bool IsServerMode => _session?.Role == SessionRole.Server;

    /// <summary>The user name that authenticated.</summary>
    public string? Username { get; private set; }

    /// <summary>Where the peer connects from ("address:port"), for logs; set by whoever made the stream.</summary>
    public string? RemoteEndPointDescription { get; set; }

    /// <summary>The peer's address and port, when the stream is a socket; set by whoever made the stream (SshServer
    /// does). A server checks certificate <c>source-address</c> and authorized_keys <c>from=</c> against it.</summary>
    public System.Net.IPEndPoint? RemoteEndPoint { get; set; }

    /// <summary>Server: the public key (or certificate) the client proved it holds when "publickey" authentication
    /// succeeded; null for other methods.</summary>
    public SshPublicKey? AuthenticatedPublicKey { get; private set; }

    /// <summary>The authentication method that succeeded ("publickey", "password", ...).</summary>
    public string? AuthenticationMethod { get; private set; }

    /// <summary>The peer's identification string (RFC 4253 §4.2), e.g. "SSH-2.0-OpenSSH_9.2p1".</summary>
    public string RemoteVersion => Session.RemoteVersion;

    /// <summary>The algorithms of the most recent key exchange.</summary>
    public NegotiatedAlgorithms? Algorithms => _session?.Algorithms;

    /// <summary>How many key exchanges have completed, the first one included (re-keying adds one each).</summary>
    public int KeyExchangeCount => _session?.KeyExchangeCount ?? 0;

    /// <summary>The session identifier (H of the first key exchange).</summary>
    public ReadOnlyMemory<byte> SessionId => _session?.SessionId;

    /// <summary>Banners the server sent during authentication.</summary>
    public IReadOnlyList<string> Banners => (IReadOnlyList<string>?)_auth?.Banners ?? [];

    /// <summary>Completes when the connection closes; faults with the reason if it failed.</summary>
    public Task Completion => Session.Completion;

    /// <summary>paramiko's add_server_key: a host key the server side offers.</summary>
    public void AddServerKey(SshPrivateKey key)
    {
        if (_session is not null) throw new InvalidOperationException("Add server keys before starting the transport.");
        _serverKeys.Add(key);
    }

    /// <summary>The host keys added with <see cref="AddServerKey"/>.</summary>
    public IReadOnlyList<SshPrivateKey> GetServerKeys() => _serverKeys;

    /// <summary>paramiko's get_remote_server_key: the server's host key, proven by its signature.</summary>
    public SshPublicKey GetRemoteServerKey() =>
        _session?.RemoteHostKey ?? throw new SshException("The key exchange has not completed; there is no server key yet.");

    private SshSession CreateSession(SessionRole role, IConnectionRequestHandler? requestHandler)
    {
        if (_session is not null) throw new InvalidOperationException("The transport has already been started.");
        _session = new SshSession(_stream, role, Settings) { HostKeys = _serverKeys.ToArray() };
        _connection = new ConnectionService(_session, Ssh.Transport.Diagnostics.TransportLog.Create(Settings, Diagnostics.ChannelLog.Category))
            { RequestHandler = requestHandler };
        _session.ConnectionHandler = _connection;
        return _session;
    }

    /// <summary>paramiko's start_client: exchanges versions and negotiates keys. <paramref name="hostKeyVerifier"/>
    /// sees the server's key (already proven by its signature) and throws to refuse it.</summary>
    /// <exception cref="TimeoutException">The server sent no version line within
    /// <see cref="TransportSettings.VersionExchangeTimeout"/>, or did not finish the key exchange within
    /// <see cref="TransportSettings.KeyExchangeTimeout"/>; the connection is closed.</exception>
    /// <exception cref="SshException">The handshake failed (<see cref="SshProtocolException"/> when the server broke the
    /// protocol, <see cref="SshConnectionException"/> when the connection was lost).</exception>
    public async Task StartClientAsync(Func<SshPublicKey, CancellationToken, ValueTask>? hostKeyVerifier = null,
        CancellationToken cancellationToken = default)
    {
        SshSession session = CreateSession(SessionRole.Client, new ClientRequestHandler(RemoteForwardTable, _agentForwarding));
        session.HostKeyVerifier = hostKeyVerifier;
        await session.StartAsync(cancellationToken).ConfigureAwait(false);
        _auth = new UserAuthClient(session);
    }

    /// <summary>The blocking twin of <see cref="StartClientAsync"/>.</summary>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed, or a handshake deadline did (see
    /// <see cref="StartClientAsync"/>).</exception>
    public void StartClient(Func<SshPublicKey, CancellationToken, ValueTask>? hostKeyVerifier = null, TimeSpan? timeout = null) =>
        Sync(ct => StartClientAsync(hostKeyVerifier, ct), timeout);

    /// <summary>
    /// paramiko's start_server: negotiates keys with the host keys added through <see cref="AddServerKey"/>, then
    /// runs user authentication (RFC 4252) with <paramref name="authenticator"/> deciding. Completes once a user has
    /// authenticated and returns the user name; from then on <paramref name="requests"/> decides what the client
    /// asks (channels, channel requests, global requests), off the read loop, and channels it accepts without
    /// serving them arrive through <see cref="AcceptAsync"/>. Nothing of the connection protocol is reachable
    /// before authentication succeeds.
    /// </summary>
    /// <exception cref="TimeoutException">The client sent no version line or did not finish the key exchange in time
    /// (<see cref="TransportSettings.VersionExchangeTimeout"/>, <see cref="TransportSettings.KeyExchangeTimeout"/>), or
    /// did not authenticate within <see cref="ServerConnectionOptions.LoginGraceTime"/>; the connection is closed.</exception>
    /// <exception cref="SshException">The handshake or authentication failed; the connection is closed.</exception>
    public async Task<string> StartServerAsync(IServerAuthenticator authenticator, IConnectionRequestHandler? requests = null,
        ServerConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        options ??= new ServerConnectionOptions();
        if (_serverKeys.Count == 0)
            throw new InvalidOperationException("Add at least one host key with AddServerKey before StartServer.");
        SshSession session = CreateSession(SessionRole.Server, requests);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(options.LoginGraceTime);
        try
        {
            await session.StartAsync(grace.Token).ConfigureAwait(false);
            var auth = new UserAuthServer(session, authenticator, options.MaxAuthTries, options.FailedAuthenticationDelay,
                (user, method) => AuthenticationFailed?.Invoke(user, method),
                (user, method, key) =>
                {
                    // Set before the authenticator hears of it, and before any channel can be opened.
                    Username = user;
                    AuthenticationMethod = method;
                    AuthenticatedPublicKey = key;
                });
            return await auth.RunAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            string message = $"Authentication did not complete within the login grace time ({options.LoginGraceTime.TotalSeconds:0} s).";
            await session.FailAsync(new SshProtocolException(DisconnectReason.ByApplication, message)).ConfigureAwait(false);
            throw new TimeoutException(message);
        }
        catch (SshException e)
        {
            await session.FailAsync(e).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Server side: raised for every refused authentication attempt with the user name the client gave and
    /// the method ("password", "publickey", ...), both stripped of control characters; for logs and fail2ban.</summary>
    public event Action<string, string>? AuthenticationFailed;

    // ---- Client authentication (RFC 4252, RFC 4256) ----

    private UserAuthClient Auth => _auth ?? throw new InvalidOperationException("Call StartClient before authenticating.");

    /// <summary>paramiko's auth_none: tries the "none" method; returns the methods the server allows, or an empty
    /// list when "none" itself succeeded.</summary>
    public async Task<IReadOnlyList<string>> AuthNoneAsync(string username, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthNoneAsync(username, cancellationToken).ConfigureAwait(false);
        if (!result.Success) return result.AllowedMethods;
        Authenticated(username, "none");
        return [];
    }

    /// <summary>paramiko's auth_password.</summary>
    /// <exception cref="AuthenticationException">The server refused; <see cref="AuthenticationException.AllowedMethods"/> says what it takes.</exception>
    public async Task AuthPasswordAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthPasswordAsync(username, password, cancellationToken).ConfigureAwait(false);
        result.ThrowIfRefused(username, "Password");
        Authenticated(username, "password");
    }

    /// <summary>paramiko's auth_publickey.</summary>
    /// <exception cref="AuthenticationException">The server refused the key.</exception>
    public async Task AuthPublicKeyAsync(string username, SshPrivateKey key, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthPublicKeyAsync(username, key, cancellationToken).ConfigureAwait(false);
        result.ThrowIfRefused(username, $"Public key {key.PublicKey.KeyType} {key.PublicKey.GetFingerprint()}");
        Authenticated(username, "publickey");
    }

    /// <summary>paramiko's auth_interactive (RFC 4256): <paramref name="handler"/> gets each round's prompts and
    /// returns one answer per prompt.</summary>
    /// <exception cref="AuthenticationException">The server refused.</exception>
    public async Task AuthInteractiveAsync(string username, Func<InteractiveQuery, IReadOnlyList<string>> handler, string submethods = "",
        CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthKeyboardInteractiveAsync(username, handler, submethods, cancellationToken).ConfigureAwait(false);
        result.ThrowIfRefused(username, "Keyboard-interactive");
        Authenticated(username, "keyboard-interactive");
    }

    private void Authenticated(string username, string method)
    {
        Username = username;
        AuthenticationMethod = method;
    }

    /// <summary>The blocking twin of <see cref="AuthInteractiveAsync"/>.</summary>
    public void AuthInteractive(string username, Func<InteractiveQuery, IReadOnlyList<string>> handler, string submethods = "") =>
        Sync(ct => AuthInteractiveAsync(username, handler, submethods, ct));

    /// <summary>The blocking twin of <see cref="AuthPasswordAsync"/>.</summary>
    public void AuthPassword(string username, string password) => Sync(ct => AuthPasswordAsync(username, password, ct));

    /// <summary>The blocking twin of <see cref="AuthPublicKeyAsync"/>.</summary>
    public void AuthPublicKey(string username, SshPrivateKey key) => Sync(ct => AuthPublicKeyAsync(username, key, ct));

    // ---- Channels (RFC 4254 §5) ----

    /// <summary>paramiko's accept: the next channel the peer opened (and the application accepted without serving
    /// it); null when the connection closes or <paramref name="timeout"/> passes first.</summary>
    public Task<Channel?> AcceptAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Connection.Accepted.AcceptAsync(Session.Completion, timeout, cancellationToken);

    /// <summary>The blocking twin of <see cref="AcceptAsync"/>.</summary>
    public Channel? Accept(TimeSpan? timeout = null) => AcceptAsync(timeout).GetAwaiter().GetResult();

    /// <summary>paramiko's open_session: a "session" channel (RFC 4254 §6.1) for exec, shell or a subsystem.</summary>
    public Task<Channel> OpenSessionAsync(CancellationToken cancellationToken = default) =>
        OpenChannelAsync(ChannelTypes.Session, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>The blocking twin of <see cref="OpenSessionAsync"/>.</summary>
    /// <exception cref="TimeoutException">The server did not answer within <paramref name="timeout"/>.</exception>
    public Channel OpenSession(TimeSpan? timeout = null) => Sync(ct => OpenSessionAsync(ct), timeout);

    /// <summary>paramiko's open_channel for a raw channel type and its type-specific data.</summary>
    /// <exception cref="ChannelException">The peer refused; <see cref="ChannelException.Reason"/> says why.</exception>
    public Task<Channel> OpenChannelAsync(string kind, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default,
        int windowSize = Channel.DefaultWindowSize, int maxPacketSize = Channel.DefaultMaxPacketSize)
    {
        if (!IsAuthenticated) throw new SshException("Authenticate before opening channels.");
        return Connection.OpenChannelAsync(kind, data, cancellationToken, windowSize, maxPacketSize);
    }

    /// <summary>paramiko's open_channel("direct-tcpip", dest_addr, src_addr) (RFC 4254 §7.2), or another channel type
    /// with the same layout.</summary>
    public Task<Channel> OpenChannelAsync(string kind, DnsEndPoint destination, DnsEndPoint? source = null, CancellationToken cancellationToken = default) =>
        OpenChannelAsync(kind, ForwardingData.Tcpip(destination.Host, destination.Port, source?.Host ?? "127.0.0.1", source?.Port ?? 0),
            cancellationToken);

    /// <summary>paramiko's global_request: with <paramref name="wait"/>, the reply data (null when refused).</summary>
    public Task<byte[]?> GlobalRequestAsync(string kind, ReadOnlyMemory<byte> data = default, bool wait = true, CancellationToken cancellationToken = default) =>
        Connection.GlobalRequests.SendAsync(kind, data, wait, cancellationToken);

    // ---- Agent forwarding (PROTOCOL.agent) ----

    /// <summary>Client: lets the server reach the local ssh-agent (<c>ssh -A</c>): from now on each
    /// <c>auth-agent@openssh.com</c> channel the server opens is connected to the agent's socket,
    /// <paramref name="socketPath"/> or else <c>$SSH_AUTH_SOCK</c>. Ask for it on each session with
    /// <see cref="Channel.RequestForwardAgentAsync"/> (paramiko's <c>AgentRequestHandler</c> does both). Without this
    /// call such channels are refused. Only forward an agent to servers you trust: their administrators can use your
    /// keys while you are connected.</summary>
    public void ForwardAgent(string? socketPath = null) => _agentForwarding.Enable(socketPath);

    /// <summary>True once <see cref="ForwardAgent"/> has been called.</summary>
    public bool IsAgentForwarding => _agentForwarding.Enabled;

    // ---- The connection ----

    /// <summary>paramiko's use_compression: asks for zlib compression (a client) or offers it (a server) in the key
    /// exchanges from now on; call it before <see cref="StartClientAsync"/> or <see cref="StartServerAsync"/> to
    /// compress the whole session.</summary>
    public void UseCompression(bool compress = true) => Settings.UseCompression(compress, asServer: IsServerMode);

    /// <summary>paramiko's set_keepalive, with OpenSSH's dead-peer detection: after each <paramref name="interval"/>
    /// without traffic from the peer, a <c>keepalive@openssh.com</c> request; after <paramref name="countMax"/>
    /// unanswered ones the connection fails with <see cref="SshConnectionException"/>. A zero interval turns it off.</summary>
    public void SetKeepalive(TimeSpan interval, int countMax = 3)
    {
        _keepalive?.Dispose();
        _keepalive = interval > TimeSpan.Zero ? new Keepalive(Session, Connection.GlobalRequests, interval, Math.Max(1, countMax)) : null;
    }

    /// <summary>paramiko's send_ignore: an SSH_MSG_IGNORE of random bytes (RFC 4253 §11.2).</summary>
    public Task SendIgnoreAsync(int byteCount = 16, CancellationToken cancellationToken = default) =>
        Session.SendAsync(new IgnoreMessage(Math.Clamp(byteCount, 0, 4096)), cancellationToken).AsTask();

    /// <summary>paramiko's renegotiate_keys: a new key exchange now; completes when it has finished.</summary>
    public Task RenegotiateKeysAsync(CancellationToken cancellationToken = default) => Session.RekeyAsync(cancellationToken);

    /// <summary>The blocking twin of <see cref="RenegotiateKeysAsync"/>.</summary>
    public void RenegotiateKeys() => Sync(ct => RenegotiateKeysAsync(ct));

    /// <summary>Closes every channel and the connection (DISCONNECT by application).</summary>
    public Task CloseAsync()
    {
        if (_session is not null) return _session.DisconnectAsync(DisconnectReason.ByApplication, "Closed by application.");
        _stream.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The blocking twin of <see cref="CloseAsync"/>.</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Closes the connection and releases its buffers.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Closes the connection and releases its buffers.</summary>
    public async ValueTask DisposeAsync()
    {
        _keepalive?.Dispose();
        if (_session is null) await _stream.DisposeAsync().ConfigureAwait(false);
        else await _session.DisposeAsync().ConfigureAwait(false);
    }

    internal static void Sync(Func<CancellationToken, Task> action, TimeSpan? timeout = null) => Sync<object?>(async ct =>
    {
        await action(ct).ConfigureAwait(false);
        return null;
    }, timeout);

    /// <summary>The blocking twin of an async call, with paramiko's timeout meaning.</summary>
    internal static T Sync<T>(Func<CancellationToken, Task<T>> action, TimeSpan? timeout = null)
    {
        using var cts = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        try
        {
            return action(cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"The operation did not complete within {timeout!.Value.TotalSeconds:0.###} s.");
        }
    }
}
