using System.Net;
using System.Net.Sockets;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>
/// paramiko's <c>Transport</c>: one SSH connection over a stream. Start it as a client, authenticate, then open
/// channels. Thread-safe; every blocking method has an async twin.
/// </summary>
public sealed partial class SshTransport : IDisposable, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly TransportSettings _settings;
    private readonly List<SshPrivateKey> _serverKeys = [];
    private SshSession? _session;
    private ConnectionService? _connection;
    private UserAuthClient? _auth;
    private readonly System.Threading.Channels.Channel<Channel> _accepted =
        System.Threading.Channels.Channel.CreateUnbounded<Channel>(new() { SingleWriter = true });

    /// <summary>Wraps a connected stream (a socket's <see cref="NetworkStream"/>, or any duplex stream). Nothing
    /// is sent until <see cref="StartClientAsync"/> (or the server's StartServer).</summary>
    public SshTransport(Stream stream, TransportSettings? settings = null)
    {
        _stream = stream;
        _settings = settings?.Clone() ?? new TransportSettings();
    }

    /// <summary>Opens a TCP connection (with TCP_NODELAY: SSH is latency-bound on small packets) and wraps it.</summary>
    public static async Task<SshTransport> ConnectAsync(string host, int port = 22, TransportSettings? settings = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        Stream stream = await OpenSocketAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        return new SshTransport(stream, settings);
    }

    internal static async Task<Stream> OpenSocketAsync(string host, int port, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) timeoutSource.CancelAfter(t);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SshConnectionException($"Connecting to {host}:{port} timed out after {timeout!.Value.TotalSeconds:0.#} s.");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SshConnectionException($"Cannot connect to {host}:{port}: {e.Message}", e);
        }
    }

    internal SshSession Session => _session ?? throw new InvalidOperationException("The transport has not been started.");
    internal ConnectionService Connection => _connection ?? throw new InvalidOperationException("The transport has not been started.");

    public TransportSettings Settings => _settings;

    /// <summary>True while the connection is up.</summary>
    public bool IsActive => _session is { IsConnected: true, SessionId: not null };

    public bool IsAuthenticated => _session?.IsAuthenticated ?? false;

    /// <summary>True when this side is the server.</summary>
    public bool IsServerMode => _session?.Role == SessionRole.Server;

    /// <summary>paramiko's add_server_key: a host key the server side offers.</summary>
    public void AddServerKey(SshPrivateKey key)
    {
        if (_session is not null) throw new InvalidOperationException("Add server keys before starting the transport.");
        _serverKeys.Add(key);
    }

    /// <summary>The host keys added with <see cref="AddServerKey"/>.</summary>
    public IReadOnlyList<SshPrivateKey> GetServerKeys() => _serverKeys;

    /// <summary>Creates the session for one side; used by StartClient here and by the server front-end.</summary>
    internal SshSession CreateSession(SessionRole role)
    {
        if (_session is not null) throw new InvalidOperationException("The transport has already been started.");
        _session = new SshSession(_stream, role, _settings) { HostKeys = _serverKeys.ToArray() };
        _connection = new ConnectionService(_session);
        return _session;
    }

    /// <summary>The user name that authenticated.</summary>
    public string? Username { get; internal set; }

    /// <summary>Where the peer connects from ("address:port"), when the transport was made from a socket.</summary>
    public string? RemoteEndPointDescription { get; internal set; }

    /// <summary>The authentication method that succeeded ("publickey", "password", ...).</summary>
    public string? AuthenticationMethod { get; internal set; }

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

    /// <summary>paramiko's get_remote_server_key.</summary>
    public SshPublicKey GetRemoteServerKey() =>
        _session?.RemoteHostKey ?? throw new SshException("The key exchange has not completed; there is no server key yet.");

    /// <summary>paramiko's start_client: negotiates keys. <paramref name="hostKeyVerifier"/> sees the server's
    /// key (already proven by its signature) and throws to refuse it.</summary>
    public async Task StartClientAsync(Func<SshPublicKey, CancellationToken, ValueTask>? hostKeyVerifier = null,
        CancellationToken cancellationToken = default)
    {
        SshSession session = CreateSession(SessionRole.Client);
        session.HostKeyVerifier = hostKeyVerifier;
        await session.StartAsync(cancellationToken).ConfigureAwait(false);
        _auth = new UserAuthClient(session);
    }

    public void StartClient(Func<SshPublicKey, CancellationToken, ValueTask>? hostKeyVerifier = null, TimeSpan? timeout = null) =>
        Sync(ct => StartClientAsync(hostKeyVerifier, ct), timeout);

    private UserAuthClient Auth => _auth ?? throw new InvalidOperationException("Call StartClient before authenticating.");

    /// <summary>paramiko's auth_none: tries the "none" method; returns the methods the server allows, or an empty
    /// list when "none" itself succeeded.</summary>
    public async Task<IReadOnlyList<string>> AuthNoneAsync(string username, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthNoneAsync(username, cancellationToken).ConfigureAwait(false);
        if (result.Success)
        {
            Username = username;
            AuthenticationMethod = "none";
            return [];
        }
        return result.AllowedMethods;
    }

    /// <summary>paramiko's auth_password. Raises <see cref="AuthenticationException"/> when refused.</summary>
    public async Task AuthPasswordAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthPasswordAsync(username, password, cancellationToken).ConfigureAwait(false);
        Check(result, username, "Password", "password");
    }

    /// <summary>paramiko's auth_publickey. Raises <see cref="AuthenticationException"/> when refused.</summary>
    public async Task AuthPublicKeyAsync(string username, SshPrivateKey key, CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthPublicKeyAsync(username, key, cancellationToken).ConfigureAwait(false);
        Check(result, username, $"Public key {key.PublicKey.KeyType} {key.PublicKey.GetFingerprint()}", "publickey");
    }

    /// <summary>paramiko's auth_interactive (RFC 4256): <paramref name="handler"/> gets each round's prompts and
    /// returns one answer per prompt. Raises <see cref="AuthenticationException"/> when refused.</summary>
    public async Task AuthInteractiveAsync(string username, Func<InteractiveQuery, IReadOnlyList<string>> handler, string submethods = "",
        CancellationToken cancellationToken = default)
    {
        AuthResult result = await Auth.AuthKeyboardInteractiveAsync(username, handler, submethods, cancellationToken).ConfigureAwait(false);
        Check(result, username, "Keyboard-interactive", "keyboard-interactive");
    }

    public void AuthInteractive(string username, Func<InteractiveQuery, IReadOnlyList<string>> handler, string submethods = "") =>
        Sync(ct => AuthInteractiveAsync(username, handler, submethods, ct));

    public void AuthPassword(string username, string password) => Sync(ct => AuthPasswordAsync(username, password, ct));

    public void AuthPublicKey(string username, SshPrivateKey key) => Sync(ct => AuthPublicKeyAsync(username, key, ct));

    private void Check(AuthResult result, string username, string what, string method)
    {
        if (result.Success)
        {
            Username = username;
            AuthenticationMethod = method;
            return;
        }
        string allowed = string.Join(", ", result.AllowedMethods);
        if (result.PartialSuccess)
            throw new PartialAuthenticationException($"{what} was accepted for {username}, but the server requires more: {allowed}.", result.AllowedMethods);
        throw new AuthenticationException($"{what} authentication failed for {username}. The server allows: {allowed}.", result.AllowedMethods);
    }

    /// <summary>Server side: hands a channel the peer opened to <see cref="AcceptAsync"/>.</summary>
    internal void OfferAccepted(Channel channel) => _accepted.Writer.TryWrite(channel);

    /// <summary>paramiko's accept: the next channel the peer opened (and the server allowed); null when the
    /// connection closes or <paramref name="timeout"/> passes first.</summary>
    public async Task<Channel?> AcceptAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) timeoutSource.CancelAfter(t);
        try
        {
            Task closed = Session.Completion;
            Task<Channel> next = _accepted.Reader.ReadAsync(timeoutSource.Token).AsTask();
            if (await Task.WhenAny(next, closed).ConfigureAwait(false) == next) return await next.ConfigureAwait(false);
            return _accepted.Reader.TryRead(out Channel? channel) ? channel : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public Channel? Accept(TimeSpan? timeout = null) => AcceptAsync(timeout).GetAwaiter().GetResult();

    /// <summary>paramiko's open_session.</summary>
    public Task<Channel> OpenSessionAsync(CancellationToken cancellationToken = default) =>
        OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, cancellationToken);

    public Channel OpenSession(TimeSpan? timeout = null) => Sync(ct => OpenSessionAsync(ct), timeout);

    /// <summary>paramiko's open_channel for a raw channel type and its type-specific data.</summary>
    public Task<Channel> OpenChannelAsync(string kind, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default,
        int windowSize = Channel.DefaultWindowSize, int maxPacketSize = Channel.DefaultMaxPacketSize)
    {
        if (!IsAuthenticated) throw new SshException("Authenticate before opening channels.");
        return Connection.OpenChannelAsync(kind, data, cancellationToken, windowSize, maxPacketSize);
    }

    /// <summary>paramiko's open_channel("direct-tcpip", dest_addr, src_addr) (RFC 4254 §7.2).</summary>
    public Task<Channel> OpenChannelAsync(string kind, DnsEndPoint destination, DnsEndPoint? source = null, CancellationToken cancellationToken = default)
    {
        var data = new SshBuffer()
            .WriteString(destination.Host).WriteUInt32((uint)destination.Port)
            .WriteString(source?.Host ?? "127.0.0.1").WriteUInt32((uint)(source?.Port ?? 0));
        return OpenChannelAsync(kind, data.ToArray(), cancellationToken);
    }

    /// <summary>paramiko's global_request: with <paramref name="wait"/>, the reply data (null when refused).</summary>
    public Task<byte[]?> GlobalRequestAsync(string kind, ReadOnlyMemory<byte> data = default, bool wait = true, CancellationToken cancellationToken = default) =>
        Connection.SendGlobalRequestAsync(kind, data, wait, cancellationToken);

    private Keepalive? _keepalive;

    /// <summary>paramiko's set_keepalive, with OpenSSH's dead-peer detection: after each <paramref name="interval"/>
    /// without traffic from the peer, a <c>keepalive@openssh.com</c> request; after <paramref name="countMax"/>
    /// unanswered ones the connection fails with <see cref="SshConnectionException"/>. A zero interval turns it off.</summary>
    public void SetKeepalive(TimeSpan interval, int countMax = 3)
    {
        _keepalive?.Dispose();
        _keepalive = interval > TimeSpan.Zero ? new Keepalive(Session, Connection, interval, Math.Max(1, countMax)) : null;
    }

    /// <summary>paramiko's send_ignore: an SSH_MSG_IGNORE of random bytes (RFC 4253 §11.2).</summary>
    public Task SendIgnoreAsync(int byteCount = 16, CancellationToken cancellationToken = default) =>
        Session.SendAsync(new IgnoreMessage(Math.Clamp(byteCount, 0, 4096)), cancellationToken).AsTask();

    /// <summary>paramiko's renegotiate_keys: a new key exchange now; completes when it has finished.</summary>
    public Task RenegotiateKeysAsync(CancellationToken cancellationToken = default) => Session.RekeyAsync(cancellationToken);

    public void RenegotiateKeys() => Sync(ct => RenegotiateKeysAsync(ct));

    /// <summary>Closes every channel and the connection (DISCONNECT by application).</summary>
    public Task CloseAsync() =>
        _session?.DisconnectAsync(DisconnectReason.ByApplication, "Closed by application.") ?? DisposeStreamAsync();

    private Task DisposeStreamAsync()
    {
        _stream.Dispose();
        return Task.CompletedTask;
    }

    public void Close() => CloseAsync().GetAwaiter().GetResult();

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        _keepalive?.Dispose();
        if (_session is null) _stream.Dispose();
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
