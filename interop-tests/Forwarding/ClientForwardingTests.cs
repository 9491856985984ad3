using System.Net;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Channels.Forwarding;
using Ssh.Client;
using Ssh.InteropTests.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;

using Ssh.Tests.Channels.Forwarding;

namespace Ssh.InteropTests.Forwarding;

/// <summary>Our client's port forwarding against Debian's sshd (RFC 4254 §7, PROTOCOL §2.4).</summary>
[TestFixture]
public sealed class ClientForwardingTests
{
    private const int TimeoutMs = 60_000;
    private ServerTarget _target = null!;
    private string _directory = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _target = await ServerTarget.StartAsync(["AllowTcpForwarding yes", "GatewayPorts no", "AllowStreamLocalForwarding yes",
            "StreamLocalBindUnlink yes", "LogLevel DEBUG1"]);
        _directory = Sockets.SharedDirectory();
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_target != null) await _target.DisposeAsync();
        if (_directory != null) Directory.Delete(_directory, recursive: true);
    }

    [TearDown]
    public void ShowServerLogOnFailure() => _target?.WriteLogTailIfFailed();

    private async Task<(SshClient Client, SshTransport SshTransport)> ConnectAsync(CancellationToken ct)
    {
        SshClient client = await ClientTestSupport.ConnectAsync(_target, cancellationToken: ct);
        return (client, client.GetTransport()!);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task LocalForward_RoundTripsOneMegabyte(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;
        await using LocalPortForwarder forwarder = await transport.ForwardLocalPortAsync(new IPEndPoint(IPAddress.Loopback, 0), "127.0.0.1", echo.Port, ct);

        byte[] data = Sockets.RandomBytes(1 << 20);
        using Socket socket = await Sockets.ConnectAsync(forwarder.LocalEndPoint, ct);
        byte[] back = await Sockets.EchoAsync(socket, data, ct);

        Assert.That(back.Length, Is.EqualTo(data.Length));
        Assert.That(back, Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task DirectTcpip_ToAClosedPort_IsRefused_AndTheConnectionLivesOn(CancellationToken ct)
    {
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;

        var error = Assert.ThrowsAsync<ChannelException>(() =>
            transport.OpenChannelAsync("direct-tcpip", new DnsEndPoint("127.0.0.1", Sockets.FreePort()), null, ct));

        Assert.That(error!.Reason, Is.EqualTo(ChannelOpenFailureReason.ConnectFailed));
        var result = await ClientTestSupport.ExecAsync(client, "echo alive", cancellationToken: ct);
        Assert.That(result.StdoutText, Is.EqualTo("alive\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task RemoteForward_DeliversConnectionsToTheHandler_AndCancelRemovesIt(CancellationToken ct)
    {
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        int port = await transport.RequestPortForwardAsync("127.0.0.1", 0, async (channel, originHost, originPort) =>
        {
            byte[] text = await channel.MakeFile().ReadAsync(-1, ct);
            await channel.SendAllAsync(Encoding.UTF8.GetBytes("got " + Encoding.UTF8.GetString(text)), ct);
            await channel.ShutdownWriteAsync(ct);
            received.TrySetResult($"{Encoding.UTF8.GetString(text)} from {originHost}");
            await channel.CloseAsync(ct);
        }, ct);
        Assert.That(port, Is.Not.Zero);

        using (Socket socket = await Sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct))
        {
            byte[] reply = await Sockets.EchoAsync(socket, "hello"u8.ToArray(), ct);
            Assert.That(Encoding.UTF8.GetString(reply), Is.EqualTo("got hello"));
        }
        Assert.That(await received.Task.WaitAsync(ct), Is.EqualTo("hello from 127.0.0.1"));

        await transport.CancelPortForwardAsync("127.0.0.1", port, ct);
        Assert.That(async () => (await Sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct)).Dispose(),
            Throws.InstanceOf<SocketException>());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task ForwardRemotePortTo_ALocalTarget_RoundTripsOneMegabyte(CancellationToken ct)
    {
        await using var echo = EchoServer.StartTcp();
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;
        int port = await transport.ForwardRemotePortToAsync("127.0.0.1", 0, "127.0.0.1", echo.Port, ct);

        byte[] data = Sockets.RandomBytes(1 << 20);
        using Socket socket = await Sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);

        Assert.That(await Sockets.EchoAsync(socket, data, ct), Is.EqualTo(data));
        Assert.That(echo.Accepted, Is.EqualTo(1));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task RemoteForward_WithoutHandler_GoesToAccept(CancellationToken ct)
    {
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;
        int port = await transport.RequestPortForwardAsync("localhost", 0, cancellationToken: ct);

        using Socket socket = await Sockets.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
        await socket.SendAsync("ping"u8.ToArray(), SocketFlags.None, ct);
        Channel? channel = await transport.AcceptAsync(TimeSpan.FromSeconds(20), ct);

        Assert.That(channel, Is.Not.Null);
        Assert.That(channel!.ChannelType, Is.EqualTo("forwarded-tcpip"));
        Assert.That(await channel.RecvAsync(4, ct), Is.EqualTo("ping"u8.ToArray()));
        await channel.CloseAsync(ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task DirectStreamLocal_RoundTripsThroughAUnixSocket(CancellationToken ct)
    {
        await using var echo = EchoServer.StartUnix(Path.Combine(_directory, "echo.sock"));
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;

        Channel channel = await transport.OpenStreamLocalChannelAsync(echo.SocketPath!, ct);
        await using ChannelStream stream = channel.AsStream();
        byte[] data = Sockets.RandomBytes(512 * 1024);
        Task send = Task.Run(async () =>
        {
            await stream.WriteAsync(data, ct);
            await stream.ShutdownWriteAsync(ct);
        }, ct);
        var back = new MemoryStream();
        await stream.CopyToAsync(back, ct);
        await send;

        Assert.That(back.ToArray(), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task StreamLocalForward_DeliversConnectionsToTheHandler(CancellationToken ct)
    {
        string path = Path.Combine(_directory, $"remote-{Guid.NewGuid():N}.sock"[..20]);
        var (client, transport) = await ConnectAsync(ct);
        using var _ = client;
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await transport.RequestStreamLocalForwardAsync(path, async channel =>
        {
            received.TrySetResult(channel.ChannelType + ":" + Encoding.UTF8.GetString(await channel.MakeFile().ReadAsync(-1, ct)));
            await channel.CloseAsync(ct);
        }, ct);

        using (Socket socket = await Sockets.ConnectAsync(new UnixDomainSocketEndPoint(path), ct))
        {
            await socket.SendAsync("via unix"u8.ToArray(), SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Send);
            Assert.That(await received.Task.WaitAsync(ct), Is.EqualTo("forwarded-streamlocal@openssh.com:via unix"));
        }

        await transport.CancelStreamLocalForwardAsync(path, ct);
    }
}
