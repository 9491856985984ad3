using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Ssh.Channels.Forwarding;
using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>Port forwarding on the client side (RFC 4254 §7, OpenSSH PROTOCOL §2.4).</summary>
public sealed partial class SshTransport
{
    /// <summary>A local forward (<c>ssh -L</c>): listens on <paramref name="listen"/> (port 0 chooses one;
    /// see <see cref="LocalPortForwarder.LocalEndPoint"/>) and tunnels each connection through a <c>direct-tcpip</c>
    /// channel to <paramref name="remoteHost"/>:<paramref name="remotePort"/>, resolved by the server. Dispose the
    /// forwarder to stop.</summary>
    /// <exception cref="SshException">The transport is not authenticated yet.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The local endpoint cannot be bound (in use, say).</exception>
    public Task<LocalPortForwarder> ForwardLocalPortAsync(IPEndPoint listen, string remoteHost, int remotePort,
        CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsAuthenticated) throw new SshException("Authenticate before forwarding ports.");
        var forwarder = new LocalPortForwarder(this, remoteHost, remotePort);
        forwarder.Start(listen);
        return Task.FromResult(forwarder);
    }

    /// <summary>The blocking twin of <see cref="ForwardLocalPortAsync"/>.</summary>
    public LocalPortForwarder ForwardLocalPort(IPEndPoint listen, string remoteHost, int remotePort) =>
        Sync(ct => ForwardLocalPortAsync(listen, remoteHost, remotePort, ct));

    /// <summary>Opens a <c>direct-streamlocal@openssh.com</c> channel to the Unix socket at
    /// <paramref name="socketPath"/> on the server (PROTOCOL §2.4; <c>ssh -L port:/path</c>).</summary>
    public Task<Channel> OpenStreamLocalChannelAsync(string socketPath, CancellationToken cancellationToken = default) =>
        OpenChannelAsync(ChannelTypes.DirectStreamLocal, ForwardingData.DirectStreamLocal(socketPath), cancellationToken);

    /// <summary>paramiko's request_port_forward (RFC 4254 §7.1, <c>ssh -R</c>): asks the server to listen on
    /// <paramref name="address"/>:<paramref name="port"/> and returns the port it bound (the one it chose when 0 was
    /// asked). Each connection to it arrives as a <c>forwarded-tcpip</c> channel, given to <paramref name="handler"/>
    /// with the originator's address and port, or, without a handler, to <see cref="AcceptAsync"/>.</summary>
    /// <exception cref="SshException">The server refused.</exception>
    public async Task<int> RequestPortForwardAsync(string address, int port, Func<Channel, string, int, Task>? handler = null,
        CancellationToken cancellationToken = default)
    {
        RemoteForwardTable table = RemoteForwards();
        RemoteForwardTable.Entry entry = table.Add(address, port, streamLocal: false, handler);
        try
        {
            byte[]? reply = await GlobalRequestAsync(ForwardingData.TcpipForward, ForwardingData.ForwardRequest(address, port),
                wait: true, cancellationToken).ConfigureAwait(false);
            if (reply is null) throw new SshException($"The server refused to forward port {port} on '{address}' (tcpip-forward).");
            // RFC 4254 §7.1: the reply names the port only when port 0 was asked.
            int bound = port == 0 && reply.Length >= 4 ? (int)BinaryPrimitives.ReadUInt32BigEndian(reply) : port;
            if (bound == 0) throw new SshException($"The server accepted a forward of port 0 on '{address}' without naming the port it bound.");
            table.Confirm(entry, bound);
            return bound;
        }
        catch
        {
            table.Remove(entry);
            throw;
        }
    }

    /// <summary>The blocking twin of <see cref="RequestPortForwardAsync"/> (paramiko's <c>request_port_forward</c>).</summary>
    public int RequestPortForward(string address, int port, Func<Channel, string, int, Task>? handler = null) =>
        Sync(ct => RequestPortForwardAsync(address, port, handler, ct));

    /// <summary>A remote forward whose connections go to a local TCP target (<c>ssh -R port:host:hostport</c>): each
    /// incoming channel is connected to <paramref name="targetHost"/>:<paramref name="targetPort"/> and pumped; one
    /// the target refuses is closed. Returns the port the server bound.</summary>
    public Task<int> ForwardRemotePortToAsync(string address, int port, string targetHost, int targetPort,
        CancellationToken cancellationToken = default) =>
        RequestPortForwardAsync(address, port, (channel, _, _) => ConnectAndPumpAsync(channel, targetHost, targetPort), cancellationToken);

    private static async Task ConnectAndPumpAsync(Channel channel, string host, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            await channel.CloseAsync().ConfigureAwait(false);
            return;
        }
        await ChannelPump.RunAsync(channel, socket).ConfigureAwait(false);
    }

    /// <summary>paramiko's cancel_port_forward (RFC 4254 §7.1 cancel-tcpip-forward): the server stops listening;
    /// connections already forwarded carry on.</summary>
    /// <exception cref="SshException">The server refused (it had no such forward, say).</exception>
    public async Task CancelPortForwardAsync(string address, int port, CancellationToken cancellationToken = default)
    {
        RemoteForwardTable table = RemoteForwards();
        byte[]? reply = await GlobalRequestAsync(ForwardingData.CancelTcpipForward, ForwardingData.ForwardRequest(address, port),
            wait: true, cancellationToken).ConfigureAwait(false);
        if (table.Find(address, port, streamLocal: false) is { } entry) table.Remove(entry);
        if (reply is null) throw new SshException($"The server refused to cancel the forward of port {port} on '{address}'.");
    }

    /// <summary>The blocking twin of <see cref="CancelPortForwardAsync"/> (paramiko's <c>cancel_port_forward</c>).</summary>
    public void CancelPortForward(string address, int port) => Sync(ct => CancelPortForwardAsync(address, port, ct));

    /// <summary>Asks the server to listen on the Unix socket <paramref name="socketPath"/> (PROTOCOL §2.4
    /// streamlocal-forward, <c>ssh -R /path:...</c>); each connection arrives as a
    /// <c>forwarded-streamlocal@openssh.com</c> channel for <paramref name="handler"/> or <see cref="AcceptAsync"/>.</summary>
    public async Task RequestStreamLocalForwardAsync(string socketPath, Func<Channel, Task>? handler = null,
        CancellationToken cancellationToken = default)
    {
        RemoteForwardTable table = RemoteForwards();
        RemoteForwardTable.Entry entry = table.Add(socketPath, 0, streamLocal: true,
            handler is null ? null : (channel, _, _) => handler(channel));
        try
        {
            byte[]? reply = await GlobalRequestAsync(ForwardingData.StreamLocalForward, ForwardingData.Path(socketPath),
                wait: true, cancellationToken).ConfigureAwait(false);
            if (reply is null) throw new SshException($"The server refused to forward the Unix socket '{socketPath}' (streamlocal-forward).");
            table.Confirm(entry, 0);
        }
        catch
        {
            table.Remove(entry);
            throw;
        }
    }

    /// <summary>Stops a <see cref="RequestStreamLocalForwardAsync"/> forward.</summary>
    public async Task CancelStreamLocalForwardAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        RemoteForwardTable table = RemoteForwards();
        byte[]? reply = await GlobalRequestAsync(ForwardingData.CancelStreamLocalForward, ForwardingData.Path(socketPath),
            wait: true, cancellationToken).ConfigureAwait(false);
        if (table.Find(socketPath, 0, streamLocal: true) is { } entry) table.Remove(entry);
        if (reply is null) throw new SshException($"The server refused to cancel the forward of the Unix socket '{socketPath}'.");
    }

    /// <summary>The client's remote forwards; the client's <see cref="ClientRequestHandler"/> lets in the channels the
    /// server opens for them.</summary>
    private RemoteForwardTable RemoteForwardTable { get; } = new();

    private RemoteForwardTable RemoteForwards()
    {
        if (!IsAuthenticated) throw new SshException("Authenticate before forwarding ports.");
        if (IsServerMode) throw new InvalidOperationException("Remote forwards are requested by the client side.");
        return RemoteForwardTable;
    }

    /// <summary>paramiko's open_forwarded_tcpip_channel, for the server side of a remote forward: a
    /// <c>forwarded-tcpip</c> channel (RFC 4254 §7.1) for a connection from <paramref name="origin"/> to the forward
    /// the client asked for on <paramref name="address"/>:<paramref name="port"/> (as the client named it).</summary>
    public Task<Channel> OpenForwardedTcpipChannelAsync(string address, int port, IPEndPoint origin, CancellationToken cancellationToken = default) =>
        OpenChannelAsync(ChannelTypes.ForwardedTcpip, ForwardingData.Tcpip(address, port, origin.Address.ToString(), origin.Port), cancellationToken);

    /// <summary>The server side of a remote Unix socket forward: a <c>forwarded-streamlocal@openssh.com</c> channel
    /// (OpenSSH PROTOCOL §2.4) for a connection to the socket the client asked for at <paramref name="socketPath"/>.</summary>
    public Task<Channel> OpenForwardedStreamLocalChannelAsync(string socketPath, CancellationToken cancellationToken = default) =>
        OpenChannelAsync(ChannelTypes.ForwardedStreamLocal, ForwardingData.ForwardedStreamLocal(socketPath), cancellationToken);
}
