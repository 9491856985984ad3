using System.Net;
using System.Net.Sockets;

namespace Ssh.Channels.Forwarding;

/// <summary>
/// A local port forward (<c>ssh -L</c>): listens on a local endpoint and, for each connection, opens a
/// <c>direct-tcpip</c> channel to <see cref="RemoteHost"/>:<see cref="RemotePort"/> as the server sees it (RFC 4254
/// §7.2) and pumps bytes both ways. A channel the server refuses closes that one connection, never the forwarder.
/// Disposing stops listening and ends the forwarded connections; so does the transport closing.
/// </summary>
public sealed class LocalPortForwarder : IAsyncDisposable, IDisposable
{
    private readonly SshTransport _transport;
    private SocketListener? _listener;

    internal LocalPortForwarder(SshTransport transport, string remoteHost, int remotePort)
    {
        _transport = transport;
        RemoteHost = remoteHost;
        RemotePort = remotePort;
    }

    /// <summary>The bound local endpoint (with the chosen port when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener?.LocalEndPoint ?? throw new InvalidOperationException("Not listening."));

    /// <summary>The destination host, resolved by the server (a name or an address as the server sees it).</summary>
    public string RemoteHost { get; }

    /// <summary>The destination TCP port on <see cref="RemoteHost"/>.</summary>
    public int RemotePort { get; }

    /// <summary>Channels the server refused (or that failed to open), for diagnostics.</summary>
    public int FailedConnections => _failed;

    private int _failed;

    internal void Start(IPEndPoint listen)
    {
        _listener = SocketListener.ListenTcp([listen.Address], listen.Port, ServeAsync);
        _ = _transport.Completion.ContinueWith(_ => DisposeAsync().AsTask(), TaskScheduler.Default);
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        var origin = (IPEndPoint?)socket.RemoteEndPoint;
        Channel channel;
        try
        {
            channel = await _transport.OpenChannelAsync(ChannelTypes.DirectTcpip, new DnsEndPoint(RemoteHost, RemotePort),
                origin is null ? null : new DnsEndPoint(origin.Address.ToString(), origin.Port), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            Interlocked.Increment(ref _failed);
            socket.Dispose();
            return;
        }
        await ChannelPump.RunAsync(channel, socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops listening and ends the forwarded connections; the transport stays open.</summary>
    public ValueTask DisposeAsync() => _listener?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>The blocking twin of <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary><c>local-endpoint -> host:port</c>, for logs.</summary>
    public override string ToString() => $"{_listener?.LocalEndPoint} -> {RemoteHost}:{RemotePort}";
}
