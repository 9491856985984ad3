using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ssh.Channels;
using Ssh.Channels.Forwarding;
using Ssh.Transport;

namespace Ssh.Server.Forwarding;

/// <summary>
/// The server's half of port forwarding for one connection (RFC 4254 §7, PROTOCOL §2.4): connects direct-tcpip and
/// direct-streamlocal destinations before the channel is confirmed, listens for tcpip-forward and
/// streamlocal-forward and opens forwarded-tcpip / forwarded-streamlocal channels for each connection, and pumps
/// bytes. Everything it opened is closed when the connection ends.
/// </summary>
internal sealed class ServerForwarding : IAsyncDisposable
{
    private readonly SshTransport _transport;
    private readonly ForwardingOptions _options;
    private readonly Action<string>? _log;
    private readonly ConcurrentDictionary<uint, Socket> _connected = new();
    private readonly ConcurrentDictionary<(string Address, int Port), SocketListener> _listeners = new();
    private readonly ConcurrentDictionary<string, SocketListener> _unixListeners = new();

    public ServerForwarding(SshTransport transport, ForwardingOptions? options = null, Action<string>? log = null)
    {
        _transport = transport;
        _options = options ?? new ForwardingOptions();
        _log = log;
        _ = transport.Completion.ContinueWith(_ => DisposeAsync().AsTask(), TaskScheduler.Default);
    }

    /// <summary>direct-tcpip: connects to <paramref name="destination"/>; null when connected (the socket waits for
    /// <see cref="TryStart"/>), else why the channel is refused.</summary>
    public async ValueTask<ChannelOpenFailureReason?> ConnectAsync(uint channelId, DnsEndPoint destination, CancellationToken cancellationToken)
    {
        if (!_options.AllowTcpForwarding) return ChannelOpenFailureReason.AdministrativelyProhibited;
        if (!FileDescriptorBudget.HasRoomForForwarding()) return ChannelOpenFailureReason.ResourceShortage;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        return await ConnectAsync(channelId, socket, destination, $"{destination.Host}:{destination.Port}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>direct-streamlocal@openssh.com: connects to the Unix socket at <paramref name="path"/>.</summary>
    public async ValueTask<ChannelOpenFailureReason?> ConnectUnixAsync(uint channelId, string path, CancellationToken cancellationToken)
    {
        if (!_options.AllowStreamLocalForwarding) return ChannelOpenFailureReason.AdministrativelyProhibited;
        if (path.Length == 0) return ChannelOpenFailureReason.ConnectFailed;
        if (!FileDescriptorBudget.HasRoomForForwarding()) return ChannelOpenFailureReason.ResourceShortage;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        return await ConnectAsync(channelId, socket, new UnixDomainSocketEndPoint(path), path, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ChannelOpenFailureReason?> ConnectAsync(uint channelId, Socket socket, EndPoint destination, string name,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException)
        {
            socket.Dispose();
            _log?.Invoke($"forward to {name} failed: {e.Message}");
            return ChannelOpenFailureReason.ConnectFailed;
        }
        if (_connected.TryRemove(channelId, out Socket? stale)) stale.Dispose();
        _connected[channelId] = socket;
        _log?.Invoke($"forwarding to {name}");
        return null;
    }

    /// <summary>Starts pumping a confirmed direct channel whose destination <see cref="ConnectAsync(uint, DnsEndPoint, CancellationToken)"/> connected; false
    /// when the channel is not one of those.</summary>
    public bool TryStart(Channel channel)
    {
        if (channel.ChannelType is not (ChannelTypes.DirectTcpip or ChannelTypes.DirectStreamLocal)) return false;
        if (!_connected.TryRemove(channel.RemoteId, out Socket? socket)) return false;
        _ = ChannelPump.RunAsync(channel, socket);
        return true;
    }

    /// <summary>tcpip-forward: listens and returns the bound port, or null to refuse (not allowed, or the bind
    /// failed).</summary>
    public int? Listen(string address, int port)
    {
        if (!_options.AllowTcpForwarding || port is < 0 or > IPEndPoint.MaxPort) return null;
        IReadOnlyList<IPAddress>? addresses = ListenAddresses(address, _options.GatewayPorts);
        if (addresses is null || !MayListen($"{address}:{port}", addresses.Count)) return null;
        SocketListener listener;
        try
        {
            TaskCompletionSource answered = NewAnswerGate();
            listener = SocketListener.ListenTcp(addresses, port, async (socket, ct) =>
            {
                // RFC 4254 §7.1: the forwarded-tcpip open must not reach the client before the request's reply.
                await answered.Task.WaitAsync(ct).ConfigureAwait(false);
                await ServeForwardedAsync(socket, address, ct).ConfigureAwait(false);
            });
        }
        catch (SocketException e)
        {
            _log?.Invoke($"remote forward {address}:{port} refused: {e.Message}");
            return null;
        }
        if (!_listeners.TryAdd((address, listener.Port), listener))
        {
            _ = listener.DisposeAsync();
            return null;
        }
        _log?.Invoke($"remote forward listening on {listener.LocalEndPoint} for '{address}'");
        return listener.Port;
    }

    /// <summary>Within this connection's cap on listeners, and the process's file descriptors.</summary>
    private bool MayListen(string what, int sockets)
    {
        if (_listeners.Count + _unixListeners.Count >= _options.MaxListeners)
        {
            _log?.Invoke($"remote forward {what} refused: this connection already holds {_options.MaxListeners} forward listeners");
            return false;
        }
        if (!FileDescriptorBudget.HasRoomForForwarding(sockets))
        {
            _log?.Invoke($"remote forward {what} refused: the process is close to its limit of open files");
            return false;
        }
        return true;
    }

    private readonly List<TaskCompletionSource> _unanswered = [];

    private TaskCompletionSource NewAnswerGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_unanswered) _unanswered.Add(gate);
        return gate;
    }

    /// <summary>The reply to the request that created the newest listeners has been sent: let them serve.</summary>
    public void OnRequestAnswered()
    {
        lock (_unanswered)
        {
            foreach (TaskCompletionSource gate in _unanswered) gate.TrySetResult();
            _unanswered.Clear();
        }
    }

    /// <summary>cancel-tcpip-forward: stops listening; connections already forwarded carry on.</summary>
    public bool Cancel(string address, int port)
    {
        if (!_listeners.TryRemove((address, port), out SocketListener? listener)) return false;
        listener.StopListening();
        return true;
    }

    /// <summary>streamlocal-forward@openssh.com: listens on a new Unix socket at <paramref name="path"/>.</summary>
    public bool ListenUnix(string path)
    {
        if (!_options.AllowStreamLocalForwarding || path.Length == 0 || !MayListen(path, 1)) return false;
        SocketListener listener;
        try
        {
            TaskCompletionSource answered = NewAnswerGate();
            listener = SocketListener.ListenUnix(path, async (socket, ct) =>
            {
                await answered.Task.WaitAsync(ct).ConfigureAwait(false);
                await ServeForwardedUnixAsync(socket, path, ct).ConfigureAwait(false);
            });
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException)
        {
            _log?.Invoke($"remote forward of {path} refused: {e.Message}");
            return false;
        }
        if (_unixListeners.TryAdd(path, listener)) return true;
        _ = listener.DisposeAsync();
        return false;
    }

    public bool CancelUnix(string path)
    {
        if (!_unixListeners.TryRemove(path, out SocketListener? listener)) return false;
        listener.StopListening();
        return true;
    }

    // RFC 4254 §7.1: forwarded-tcpip names the address as the client asked for it and the port that was connected,
    // so the client can match the channel to its request.
    private Task ServeForwardedAsync(Socket socket, string requestedAddress, CancellationToken cancellationToken)
    {
        var local = (IPEndPoint)socket.LocalEndPoint!;
        var remote = (IPEndPoint)socket.RemoteEndPoint!;
        return OpenAndPumpAsync(socket, ChannelTypes.ForwardedTcpip,
            ct => _transport.OpenForwardedTcpipChannelAsync(requestedAddress, local.Port, remote, ct), cancellationToken);
    }

    private Task ServeForwardedUnixAsync(Socket socket, string path, CancellationToken cancellationToken) =>
        OpenAndPumpAsync(socket, ChannelTypes.ForwardedStreamLocal, ct => _transport.OpenForwardedStreamLocalChannelAsync(path, ct), cancellationToken);

    private async Task OpenAndPumpAsync(Socket socket, string kind, Func<CancellationToken, Task<Channel>> open, CancellationToken cancellationToken)
    {
        if (!FileDescriptorBudget.HasRoomForForwarding())
        {
            _log?.Invoke($"{kind} connection dropped: the process is close to its limit of open files");
            socket.Dispose();
            return;
        }
        Channel channel;
        try
        {
            channel = await open(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            _log?.Invoke($"{kind} channel not opened: {e.Message}");
            socket.Dispose();
            return;
        }
        await ChannelPump.RunAsync(channel, socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where a remote forward listens: loopback only unless <paramref name="gatewayPorts"/> (RFC 4254 §7.1
    /// names "", "0.0.0.0", "::", "localhost", "127.0.0.1" and "::1"); null to refuse.</summary>
    internal static IReadOnlyList<IPAddress>? ListenAddresses(string address, bool gatewayPorts)
    {
        IPAddress[] loopback = [IPAddress.Loopback, IPAddress.IPv6Loopback];
        bool isIp = IPAddress.TryParse(address, out IPAddress? ip);
        if (isIp && IPAddress.IsLoopback(ip!)) return [ip!];
        if (address == "localhost") return loopback;
        if (!gatewayPorts) return loopback;
        return address switch
        {
            "" or "*" => [IPAddress.Any, IPAddress.IPv6Any],
            _ when isIp => [ip!],
            _ => null,
        };
    }

    /// <summary>Closes every listener and every connected socket not yet handed to a channel.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var key in _listeners.Keys)
            if (_listeners.TryRemove(key, out SocketListener? l)) await l.DisposeAsync().ConfigureAwait(false);
        foreach (var key in _unixListeners.Keys)
            if (_unixListeners.TryRemove(key, out SocketListener? l)) await l.DisposeAsync().ConfigureAwait(false);
        foreach (var key in _connected.Keys)
            if (_connected.TryRemove(key, out Socket? s)) s.Dispose();
    }
}
