using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ssh.Channels.Forwarding;

/// <summary>
/// Listening sockets (one per address family of one forward) with an accept loop each; every accepted connection
/// is handed to a serve function that owns the socket. A failure to serve one connection never stops the listener.
/// Both sides use it: the client's local forwards, the server's remote (tcpip-forward, streamlocal-forward) ones.
/// </summary>
public sealed class SocketListener : IAsyncDisposable
{
    private readonly List<Socket> _sockets;
    private readonly Func<Socket, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _connections = new();
    private readonly ConcurrentDictionary<Task, byte> _active = new();
    private readonly List<Task> _acceptLoops = [];
    private readonly string? _unixPath;
    private int _stopped;

    private SocketListener(List<Socket> sockets, Func<Socket, CancellationToken, Task> serve, string? unixPath)
    {
        _sockets = sockets;
        _serve = serve;
        _unixPath = unixPath;
        LocalEndPoint = sockets[0].LocalEndPoint!;
    }

    /// <summary>The first bound endpoint (with the chosen port when 0 was asked).</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>The bound TCP port (the one chosen when 0 was asked); 0 for a Unix-domain socket.</summary>
    public int Port => LocalEndPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>Binds every address on <paramref name="port"/>; with port 0 the first address chooses it and the rest
    /// follow (an address that cannot take it is skipped, unless it is the first).</summary>
    public static SocketListener ListenTcp(IReadOnlyList<IPAddress> addresses, int port, Func<Socket, CancellationToken, Task> serve)
    {
        var sockets = new List<Socket>();
        try
        {
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                    socket.Bind(new IPEndPoint(address, port));
                    socket.Listen(128);
                }
                catch (SocketException) when (sockets.Count > 0)
                {
                    socket.Dispose();
                    continue;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                sockets.Add(socket);
                port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            }
        }
        catch
        {
            foreach (Socket s in sockets) s.Dispose();
            throw;
        }
        if (sockets.Count == 0) throw new ArgumentException("No address to listen on.", nameof(addresses));
        return Start(new SocketListener(sockets, serve, null));
    }

    /// <summary>Listens on a Unix domain socket at <paramref name="path"/>, which must not exist yet; the file is
    /// removed when the listener stops.</summary>
    public static SocketListener ListenUnix(string path, Func<Socket, CancellationToken, Task> serve)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return Start(new SocketListener([socket], serve, path));
    }

    private static SocketListener Start(SocketListener listener)
    {
        foreach (Socket socket in listener._sockets) listener._acceptLoops.Add(Task.Run(() => listener.AcceptLoopAsync(socket)));
        return listener;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        var backoff = TimeSpan.Zero;
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync().ConfigureAwait(false);
                backoff = TimeSpan.Zero;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                if (Volatile.Read(ref _stopped) != 0) return;
                if (e is SocketException { SocketErrorCode: SocketError.ConnectionAborted or SocketError.ConnectionReset }) continue;
                if (e is SocketException { SocketErrorCode: SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable })
                {
                    // Out of descriptors (EMFILE/ENFILE) or buffers: wait for some to free, growing to a second, not spin.
                    backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
                    try
                    {
                        await Task.Delay(backoff, _connections.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    continue;
                }
                return;
            }
            if (accepted.AddressFamily != AddressFamily.Unix) accepted.NoDelay = true;
            Task serving = ServeAsync(accepted);
            _active.TryAdd(serving, 0);
            _ = serving.ContinueWith(t => _active.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket accepted)
    {
        await Task.Yield();
        try
        {
            await _serve(accepted, _connections.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // One connection's failure is that connection's alone.
            accepted.Dispose();
        }
    }

    /// <summary>Stops accepting; connections already accepted carry on.</summary>
    public void StopListening()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        foreach (Socket socket in _sockets) socket.Dispose();
        if (_unixPath is not null)
        {
            try
            {
                File.Delete(_unixPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Someone else's now, or already gone.
            }
        }
    }

    /// <summary>Stops accepting and ends the connections accepted so far.</summary>
    public async ValueTask DisposeAsync()
    {
        StopListening();
        _connections.Cancel();
        try
        {
            await Task.WhenAll(_acceptLoops.Concat(_active.Keys)).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A connection that will not end is left to the connection's own teardown.
        }
    }
}
