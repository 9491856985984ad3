using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ssh.Channels;
using Ssh.Transport;

namespace Ssh.Server;

/// <summary>
/// An SSH server: an async accept loop on one endpoint, a <see cref="ServerInterface"/> per connection, limits
/// on unauthenticated and total connections, and a graceful stop that sends DISCONNECT (by application) to every
/// client and frees the port.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    /// <summary>Runs an authenticated connection: serve its channels until it closes.</summary>
    public delegate Task ConnectionHandler(SshTransport transport, ServerInterface server, string user, CancellationToken cancellationToken);

    private readonly SshServerOptions _options;
    private readonly Func<ServerInterface> _serverFactory;
    private readonly ConnectionHandler? _handler;
    private readonly ConcurrentDictionary<SshTransport, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _unauthenticated;

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
    }

    /// <summary>The bound endpoint (with the real port when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>The connections open now, authenticated or not.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Log lines: who connected from where, how they authenticated, what failed.</summary>
    public event Action<string>? Log;

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
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener!.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                Log?.Invoke($"accept failed: {e.Message}");
                continue;
            }
            socket.NoDelay = true;
            string peer = socket.RemoteEndPoint?.ToString() ?? "?";
            if (!Admit())
            {
                Log?.Invoke($"{peer}: refused, too many connections");
                socket.Dispose();
                continue;
            }
            var transport = new SshTransport(new NetworkStream(socket, ownsSocket: true), _options.Settings) { RemoteEndPointDescription = peer };
            foreach (var key in _options.HostKeys) transport.AddServerKey(key);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task connection = Task.Run(async () =>
            {
                await started.Task.ConfigureAwait(false);
                await ServeAsync(transport, peer).ConfigureAwait(false);
            });
            _connections[transport] = connection;
            started.SetResult();
        }
    }

    /// <summary>Counts a new connection as unauthenticated, unless a limit says no.</summary>
    private bool Admit()
    {
        if (_connections.Count >= _options.MaxConnections) return false;
        if (Interlocked.Increment(ref _unauthenticated) <= _options.MaxUnauthenticatedConnections) return true;
        Interlocked.Decrement(ref _unauthenticated);
        return false;
    }

    private async Task ServeAsync(SshTransport transport, string peer)
    {
        bool counted = true;
        try
        {
            ServerInterface server = _serverFactory();
            string user = await transport.StartServerAsync(server, _options.Connection, _stopping.Token).ConfigureAwait(false);
            Interlocked.Decrement(ref _unauthenticated);
            counted = false;
            Log?.Invoke($"{peer}: {user} authenticated with {transport.AuthenticationMethod}");
            if (_handler is not null) await _handler(transport, server, user, _stopping.Token).ConfigureAwait(false);
            await transport.Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
        {
            Log?.Invoke($"{peer}: {e.Message}");
        }
        catch (Exception e)
        {
            // A bug in a handler must not take the server down with it.
            Log?.Invoke($"{peer}: unexpected error: {e}");
        }
        finally
        {
            if (counted) Interlocked.Decrement(ref _unauthenticated);
            _connections.TryRemove(transport, out _);
            await transport.DisposeAsync().ConfigureAwait(false);
            Log?.Invoke($"{peer}: closed");
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
            Log?.Invoke("some connections did not close within 10 s");
        }
    }

    /// <summary>Same as <see cref="StopAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
