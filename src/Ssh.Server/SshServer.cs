using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ssh.Channels;
using Ssh.Server.Diagnostics;
using Ssh.Transport;

namespace Ssh.Server;

/// <summary>
/// An SSH server: an async accept loop on one endpoint, a <see cref="ServerInterface"/> per connection, and a graceful
/// stop that sends DISCONNECT (by application) to every client and frees the port. One process serves every
/// connection, so no one peer may take the others down: connections that have not authenticated are cheap to hold and
/// the oldest is dropped when they fill their limit (so silent or stalled sockets cannot lock logins out), file
/// descriptors are kept from running out (<see cref="FileDescriptorBudget"/>), and a failing accept backs off.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    /// <summary>Runs an authenticated connection: serve its channels until it closes.</summary>
    public delegate Task ConnectionHandler(SshTransport transport, ServerInterface server, string user, CancellationToken cancellationToken);

    private readonly SshServerOptions _options;
    private readonly Func<ServerInterface> _serverFactory;
    private readonly ConnectionHandler? _handler;
    private readonly ConcurrentDictionary<SshTransport, Task> _connections = new();
    // Unauthenticated connections, oldest first: when a new one arrives and they are at their limit, one of them is
    // dropped — the oldest that has not finished its key exchange, else the oldest.
    private readonly LinkedList<Unauthenticated> _unauthenticated = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ThrottledLog _throttled;
    private readonly ILogger _logger;
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <summary>A server that is not listening yet: call <see cref="Start"/>.</summary>
    /// <param name="options">Where to listen, the host keys and the limits.</param>
    /// <param name="serverFactory">Makes the <see cref="ServerInterface"/> for each new connection.</param>
    /// <param name="handler">Serves an authenticated connection; when null, the connection lives until the client
    /// closes it and channels are served by the <see cref="ServerInterface"/> callbacks alone.</param>
    /// <exception cref="ArgumentException"><paramref name="options"/> has no host key.</exception>
    public SshServer(SshServerOptions options, Func<ServerInterface> serverFactory, ConnectionHandler? handler = null)
    {
        if (options.HostKeys.Count == 0) throw new ArgumentException("The server needs at least one host key.", nameof(options));
        _options = options;
        _serverFactory = serverFactory;
        _handler = handler;
        _logger = options.Settings.LoggerFactory?.CreateLogger(ServerLog.Category) ?? NullLogger.Instance;
        _throttled = new ThrottledLog(Write);
    }

    /// <summary>The bound endpoint (with the real port when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Connections open now, authenticated or not.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Connections open now that have not authenticated yet.</summary>
    public int UnauthenticatedCount
    {
        get { lock (_unauthenticated) return _unauthenticated.Count; }
    }

    /// <summary>Log lines: who connected from where, how they authenticated, every refused attempt (as
    /// <c>Failed METHOD for USER from ADDRESS port PORT ssh2</c>, the line fail2ban's sshd filter matches), what failed.
    /// Text from the peer is stripped of control characters.</summary>
    public event Action<string>? Log;

    /// <summary>A line for <see cref="Log"/>, and for the logger of <see cref="TransportSettings.LoggerFactory"/>.</summary>
    private void Write(string message)
    {
        Log?.Invoke(message);
        ServerLog.Line(_logger, message);
    }

    /// <summary>A connection still authenticating, and how to drop it.</summary>
    private sealed record Unauthenticated(SshTransport Transport, CancellationTokenSource Drop);

    /// <summary>Binds and starts accepting.</summary>
    public void Start()
    {
        var listener = new Socket(_options.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(_options.Endpoint);
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private async Task AcceptLoopAsync()
    {
        var backoff = TimeSpan.Zero;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // EMFILE/ENFILE, and anything else that would fail again at once: wait, growing to a second, rather
                // than spin; the connections waiting in the backlog are accepted once descriptors are free again.
                _throttled.Write("accept", $"accept failed: {e.Message}; backing off");
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
                try
                {
                    await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint as IPEndPoint;
        string peer = remote?.ToString() ?? "?";
        if (_connections.Count >= _options.MaxConnections)
        {
            _throttled.Write("full", $"{peer}: refused, {_options.MaxConnections} connections are open (MaxConnections)");
            socket.Dispose();
            return;
        }
        bool descriptorsShort = !FileDescriptorBudget.HasRoomForConnection(8);
        var transport = new SshTransport(new NetworkStream(socket, ownsSocket: true), _options.Settings) { RemoteEndPointDescription = peer, RemoteEndPoint = remote };
        var pending = new Unauthenticated(transport, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        LinkedListNode<Unauthenticated>? slot = null;
        Unauthenticated? evicted = null;
        lock (_unauthenticated)
        {
            // Full, or short of descriptors: a connection still authenticating makes room. Holding a slot gets an
            // attacker nothing, because the next arrival takes it back; and a connection that has finished its key
            // exchange (a real client, authenticating) goes only when none that has not is left, so a flood of new
            // connections cannot push out the logins in progress.
            if ((_unauthenticated.Count >= _options.MaxUnauthenticatedConnections || descriptorsShort) && _unauthenticated.Count > 0)
            {
                LinkedListNode<Unauthenticated> victim = _unauthenticated.First!;
                for (var node = victim; node is not null; node = node.Next)
                {
                    if (node.Value.Transport.IsActive) continue;
                    victim = node;
                    break;
                }
                evicted = victim.Value;
                _unauthenticated.Remove(victim);
            }
            if (evicted is not null || !descriptorsShort) slot = _unauthenticated.AddLast(pending);
        }
        if (slot is null)
        {
            _throttled.Write("fds", $"{peer}: refused, the process is close to its limit of {FileDescriptorBudget.Limit} open files");
            pending.Drop.Dispose();
            transport.Dispose();
            return;
        }
        if (evicted is not null)
        {
            _throttled.Write("evict", descriptorsShort
                ? $"short of file descriptors: dropped the oldest unauthenticated connection for {peer}"
                : $"{_options.MaxUnauthenticatedConnections} connections were still authenticating: dropped the oldest for {peer}");
            try
            {
                evicted.Drop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It ended on its own meanwhile.
            }
        }
        foreach (var key in _options.HostKeys) transport.AddServerKey(key);
        transport.AuthenticationFailed += (user, method) =>
            Write($"Failed {method} for {user} from {remote?.Address.ToString() ?? "?"} port {remote?.Port ?? 0} ssh2");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task connection = Task.Run(async () =>
        {
            await started.Task.ConfigureAwait(false);
            await ServeAsync(transport, peer, remote, slot).ConfigureAwait(false);
        });
        _connections[transport] = connection;
        started.SetResult();
    }

    private void Authenticated(LinkedListNode<Unauthenticated> slot)
    {
        lock (_unauthenticated)
        {
            if (slot.List is not null) _unauthenticated.Remove(slot);
        }
    }

    private async Task ServeAsync(SshTransport transport, string peer, IPEndPoint? remote, LinkedListNode<Unauthenticated> slot)
    {
        CancellationTokenSource drop = slot.Value.Drop;
        // Every event of this connection, the transport's included, carries the peer (a scope flows with the async
        // calls made inside it, the connection's read loop among them).
        using IDisposable? scope = _logger.BeginScope("Connection {Peer}", peer);
        if (remote is not null) ServerLog.Connection(_logger, remote.Address.ToString(), remote.Port);
        try
        {
            ServerInterface server = _serverFactory();
            string user = await transport.StartServerAsync(server, _options.Connection, drop.Token).ConfigureAwait(false);
            Authenticated(slot);
            Write($"{peer}: {PeerText.Sanitize(user)} authenticated with {transport.AuthenticationMethod}");
            if (_handler is not null) await _handler(transport, server, user, _stopping.Token).ConfigureAwait(false);
            await transport.Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drop.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            Write($"{peer}: dropped before authenticating, to make room");
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or TimeoutException)
        {
            Write($"{peer}: {e.Message}");
        }
        catch (Exception e)
        {
            // A bug in a handler must not take the server down with it.
            Write($"{peer}: unexpected error: {e}");
        }
        finally
        {
            Authenticated(slot);
            _connections.TryRemove(transport, out _);
            await transport.DisposeAsync().ConfigureAwait(false);
            drop.Dispose();
            Write($"{peer}: closed");
        }
    }

    /// <summary>Stops listening, sends DISCONNECT (by application) to every client and waits for them to go.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        _listener?.Dispose();
        if (_acceptLoop is not null) await _acceptLoop.ConfigureAwait(false);
        foreach (SshTransport t in _connections.Keys)
        {
            try
            {
                await t.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or IOException or InvalidOperationException)
            {
                // Already gone.
            }
        }
        try
        {
            await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Write("some connections did not close within 10 s");
        }
    }

    /// <summary>Stops the server (<see cref="StopAsync"/>).</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
