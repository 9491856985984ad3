using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Channels.Forwarding;
using Ssh.Server;
using Ssh.Server.Sessions;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;

namespace Ssh.Tests.Channels.Forwarding;

/// <summary>Our client's forwarding against our server's built-in handler, over an in-memory connection; the
/// endpoints at either end are loopback sockets the test owns.</summary>
[SupportedOSPlatform("linux")]
public sealed class ForwardingTests
{
    private const int TimeoutMs = 30_000;
    private readonly List<IAsyncDisposable> _cleanup = [];
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("sshcs-fwd-").FullName;

    [TearDown]
    public async Task TearDown()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--) await _cleanup[i].DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _cleanup.Clear();
        Directory.Delete(_directory, recursive: true);
    }

    private T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private async Task<(SshTransport Client, SshTransport Server)> ConnectAsync(CancellationToken ct, Ssh.Server.Forwarding.ForwardingOptions? options = null)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var server = Track(new SshTransport(serverStream));
        server.AddServerKey(Ed25519PrivateKey.Generate());
        var accounts = new ServerAccounts().AddUser("u", "p");
        var handler = new CommandServerInterface(accounts) { ForwardingOptions = options ?? new() };
        var client = Track(new SshTransport(clientStream));
        Task<string> serving = server.StartServerAsync(handler, cancellationToken: ct);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync("u", "p", ct);
        await serving;
        return (client, server);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task LocalForward_RoundTripsOneMegabyte_WithHalfClose(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct);
        await using LocalPortForwarder forwarder = await client.ForwardLocalPortAsync(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1", echo.Port, ct);
        Assert.That(forwarder.LocalEndPoint.Port, Is.Not.Zero);

        byte[] data = SocketRoundTrip.RandomBytes(1 << 20);
        using Socket socket = await SocketRoundTrip.ConnectAsync(forwarder.LocalEndPoint, ct);
        byte[] back = await SocketRoundTrip.EchoAsync(socket, data, ct);

        Assert.That(back, Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ChannelPump_WithATinyWindowAndPackets_MovesAMegabyteBothWays(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct);
        Channel channel = await client.OpenChannelAsync("direct-tcpip", ForwardingData.Tcpip("127.0.0.1", echo.Port, "127.0.0.1", 1), ct,
            windowSize: 1024, maxPacketSize: 256);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using Socket local = await SocketRoundTrip.ConnectAsync(listener.LocalEndPoint!, ct);
        Task pump = ChannelPump.RunAsync(channel, await listener.AcceptAsync(ct), ct);

        byte[] data = SocketRoundTrip.RandomBytes(1 << 20);
        byte[] back = await SocketRoundTrip.EchoAsync(local, data, ct);

        Assert.That(back, Is.EqualTo(data));
        await pump.WaitAsync(ct);
        Assert.That(channel.Closed, Is.True);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task LocalForward_SeveralConnectionsAtOnce(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct);
        await using LocalPortForwarder forwarder = await client.ForwardLocalPortAsync(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1", echo.Port, ct);

        var runs = Enumerable.Range(1, 8).Select(async i =>
        {
            byte[] data = SocketRoundTrip.RandomBytes(10_000 * i);
            using Socket socket = await SocketRoundTrip.ConnectAsync(forwarder.LocalEndPoint, ct);
            return (data, back: await SocketRoundTrip.EchoAsync(socket, data, ct));
        }).ToArray();

        foreach (var (data, back) in await Task.WhenAll(runs)) Assert.That(back, Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task LocalForward_ToAClosedPort_ClosesThatConnection_AndKeepsForwarding(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        int deadPort = FreePort();
        var (client, _) = await ConnectAsync(ct);
        await using LocalPortForwarder dead = await client.ForwardLocalPortAsync(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1", deadPort, ct);
        await using LocalPortForwarder live = await client.ForwardLocalPortAsync(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1", echo.Port, ct);

        using (Socket socket = await SocketRoundTrip.ConnectAsync(dead.LocalEndPoint, ct))
            Assert.That(await ReadToEndOrResetAsync(socket, ct), Is.Empty);
        Assert.That(dead.FailedConnections, Is.EqualTo(1));

        using Socket again = await SocketRoundTrip.ConnectAsync(live.LocalEndPoint, ct);
        Assert.That(await SocketRoundTrip.EchoAsync(again, "still here"u8.ToArray(), ct), Is.EqualTo("still here"u8.ToArray()));
        Assert.That(client.IsActive, Is.True);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task DirectTcpip_ToAClosedPort_IsRefusedWithConnectFailed(CancellationToken ct)
    {
        var (client, _) = await ConnectAsync(ct);

        var error = Assert.ThrowsAsync<ChannelException>(() =>
            client.OpenChannelAsync("direct-tcpip", new DnsEndPoint("127.0.0.1", FreePort()), null, ct));

        Assert.That(error!.Reason, Is.EqualTo(ChannelOpenFailureReason.ConnectFailed));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task DirectTcpip_IsRefused_WhenForwardingIsOff(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct, new() { AllowTcpForwarding = false });

        var error = Assert.ThrowsAsync<ChannelException>(() =>
            client.OpenChannelAsync("direct-tcpip", new DnsEndPoint("127.0.0.1", echo.Port), null, ct));

        Assert.That(error!.Reason, Is.EqualTo(ChannelOpenFailureReason.AdministrativelyProhibited));
        Assert.That(async () => await client.RequestPortForwardAsync("127.0.0.1", 0, cancellationToken: ct), Throws.InstanceOf<SshException>());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ChannelStream_OverDirectTcpip_ReadsAndWrites(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct);
        Channel channel = await client.OpenChannelAsync("direct-tcpip", new DnsEndPoint("127.0.0.1", echo.Port), null, ct);
        await using ChannelStream stream = channel.AsStream();

        await stream.WriteAsync("hello, stream"u8.ToArray(), ct);
        await stream.FlushAsync(ct);
        await stream.ShutdownWriteAsync(ct);
        var reader = new StreamReader(stream, Encoding.UTF8);

        Assert.That(await reader.ReadToEndAsync(ct), Is.EqualTo("hello, stream"));
        Assert.That(stream.CanSeek, Is.False);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task RemoteForward_PortZero_ReturnsThePort_AndHandsChannelsToTheHandler(CancellationToken ct)
    {
        var (client, _) = await ConnectAsync(ct);
        var seen = new TaskCompletionSource<(string Text, string Origin)>(TaskCreationOptions.RunContinuationsAsynchronously);
        int port = await client.RequestPortForwardAsync("127.0.0.1", 0, async (channel, originHost, originPort) =>
        {
            byte[] text = await channel.MakeFile().ReadAsync(-1, ct);
            await channel.SendAllAsync("ack"u8.ToArray(), ct);
            await channel.CloseAsync(ct);
            seen.TrySetResult((Encoding.UTF8.GetString(text), $"{originHost}:{originPort > 0}"));
        }, ct);
        Assert.That(port, Is.Not.Zero);

        using Socket socket = await SocketRoundTrip.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        byte[] reply = await SocketRoundTrip.EchoAsync(socket, "over the tunnel"u8.ToArray(), ct);

        var (text, origin) = await seen.Task.WaitAsync(ct);
        Assert.That(text, Is.EqualTo("over the tunnel"));
        Assert.That(origin, Is.EqualTo("127.0.0.1:True"));
        Assert.That(reply, Is.EqualTo("ack"u8.ToArray()));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task RemoteForward_WithoutHandler_GoesToAccept_AndCancelStopsListening(CancellationToken ct)
    {
        var (client, _) = await ConnectAsync(ct);
        int port = await client.RequestPortForwardAsync("localhost", 0, cancellationToken: ct);

        using (Socket socket = await SocketRoundTrip.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct))
        {
            await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None, ct);
            Channel? channel = await client.AcceptAsync(TimeSpan.FromSeconds(10), ct);
            Assert.That(channel, Is.Not.Null);
            Assert.That(channel!.ChannelType, Is.EqualTo("forwarded-tcpip"));
            Assert.That(await channel.RecvAsync(4, ct), Is.EqualTo("ping"u8.ToArray()));
            await channel.CloseAsync(ct);
        }

        await client.CancelPortForwardAsync("localhost", port, ct);

        Assert.That(async () => await SocketRoundTrip.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct),
            Throws.InstanceOf<SocketException>());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ForwardRemotePortTo_ConnectsEachChannelToTheLocalTarget(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, _) = await ConnectAsync(ct);
        int port = await client.ForwardRemotePortToAsync("127.0.0.1", 0, "127.0.0.1", echo.Port, ct);

        byte[] data = SocketRoundTrip.RandomBytes(300_000);
        using Socket socket = await SocketRoundTrip.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);

        Assert.That(await SocketRoundTrip.EchoAsync(socket, data, ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ForwardedTcpip_ThatWasNeverRequested_IsRefused(CancellationToken ct)
    {
        var (client, server) = await ConnectAsync(ct);
        await client.ForwardRemotePortToAsync("127.0.0.1", 0, "127.0.0.1", 9, ct);

        var error = Assert.ThrowsAsync<ChannelException>(() => server.OpenChannelAsync("forwarded-tcpip",
            ForwardingData.Tcpip("127.0.0.1", 1, "127.0.0.1", 2), ct));

        Assert.That(error!.Reason, Is.EqualTo(ChannelOpenFailureReason.AdministrativelyProhibited));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task DirectStreamLocal_RoundTripsThroughAUnixSocket(CancellationToken ct)
    {
        await using var echo = EchoServer.StartUnix(Path.Combine(_directory, "echo.sock"));
        var (client, _) = await ConnectAsync(ct);

        Channel channel = await client.OpenStreamLocalChannelAsync(echo.SocketPath!, ct);
        byte[] data = SocketRoundTrip.RandomBytes(200_000);
        await channel.SendAllAsync(data, ct);
        await channel.ShutdownWriteAsync(ct);

        Assert.That(await channel.MakeFile().ReadAsync(-1, ct), Is.EqualTo(data));
        await channel.CloseAsync(ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task StreamLocalForward_ListensOnTheServer_AndCancelRemovesTheSocket(CancellationToken ct)
    {
        string path = Path.Combine(_directory, "remote.sock");
        var (client, _) = await ConnectAsync(ct);
        var got = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.RequestStreamLocalForwardAsync(path, async channel =>
        {
            got.TrySetResult(Encoding.UTF8.GetString(await channel.MakeFile().ReadAsync(-1, ct)) + "|" + channel.ChannelType);
            await channel.CloseAsync(ct);
        }, ct);

        using (Socket socket = await SocketRoundTrip.ConnectAsync(new UnixDomainSocketEndPoint(path), ct))
        {
            await socket.SendAsync("unix"u8.ToArray(), SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Send);
            Assert.That(await got.Task.WaitAsync(ct), Is.EqualTo("unix|forwarded-streamlocal@openssh.com"));
        }

        await client.CancelStreamLocalForwardAsync(path, ct);
        Assert.That(File.Exists(path), Is.False);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ClosingTheConnection_StopsTheServersListeners(CancellationToken ct)
    {
        var (client, server) = await ConnectAsync(ct);
        int port = await client.RequestPortForwardAsync("127.0.0.1", 0, cancellationToken: ct);

        await client.CloseAsync();
        await server.Completion.WaitAsync(ct).ContinueWith(_ => { });

        await WaitUntilAsync(() => !Accepts(port), ct);
    }

    [Test]
    public void ListenAddresses_AreLoopbackUnlessGatewayPorts()
    {
        Assert.That(Ssh.Server.Forwarding.ServerForwarding.ListenAddresses("", false), Is.EqualTo(new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }));
        Assert.That(Ssh.Server.Forwarding.ServerForwarding.ListenAddresses("0.0.0.0", false), Is.EqualTo(new[] { IPAddress.Loopback, IPAddress.IPv6Loopback }));
        Assert.That(Ssh.Server.Forwarding.ServerForwarding.ListenAddresses("::1", false), Is.EqualTo(new[] { IPAddress.IPv6Loopback }));
        Assert.That(Ssh.Server.Forwarding.ServerForwarding.ListenAddresses("0.0.0.0", true), Is.EqualTo(new[] { IPAddress.Any }));
        Assert.That(Ssh.Server.Forwarding.ServerForwarding.ListenAddresses("example.org", true), Is.Null);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(20, ct);
    }

    private static async Task<byte[]> ReadToEndOrResetAsync(Socket socket, CancellationToken ct)
    {
        var received = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) received.Write(buffer, 0, n);
        }
        catch (SocketException)
        {
        }
        return received.ToArray();
    }
}
