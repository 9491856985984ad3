using System.Net.Sockets;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;

using Ssh.Tests.Channels.Forwarding;

namespace Ssh.InteropTests.Forwarding;

/// <summary>OpenSSH's client forwarding through <c>sshcs server</c>: <c>ssh -L</c>, <c>ssh -R</c>, <c>ssh -W</c>.</summary>
[TestFixture]
public sealed class OpenSshClientForwardingTests
{
    private const int TimeoutMs = 60_000;
    private SshcsServer _server = null!;
    private EchoServer _echo = null!;
    private readonly List<BackgroundProcess> _children = [];

    [OneTimeSetUp]
    public async Task Start()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _server = await SshcsServer.StartAsync(timeout.Token);
        _echo = EchoServer.StartTcp();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_echo != null) await _echo.DisposeAsync();
        if (_server != null) await _server.DisposeAsync();
    }

    [TearDown]
    public async Task KillChildren()
    {
        bool failed = TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed;
        foreach (BackgroundProcess child in _children)
        {
            if (failed) TestContext.Out.WriteLine($"--- ssh output ---\n{child.Output}");
            await child.DisposeAsync();
        }
        _children.Clear();
        if (failed) TestContext.Out.WriteLine($"--- sshcs server output ---\n{_server.Output}");
    }

    private BackgroundProcess StartSsh(params string[] options)
    {
        var child = BackgroundProcess.Start(PeerBinaries.Ssh, _server.SshArguments(options));
        _children.Add(child);
        return child;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshL_ForwardsALocalPortThroughOurServer(CancellationToken ct)
    {
        int localPort = Sockets.FreePort();
        StartSsh("-N", "-L", $"127.0.0.1:{localPort}:127.0.0.1:{_echo.Port}");

        using Socket socket = await Sockets.ConnectWhenListeningAsync(localPort, ct);
        byte[] data = Sockets.RandomBytes(1 << 20);

        Assert.That(await Sockets.EchoAsync(socket, data, ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshR_ListensOnOurServer_AndForwardsBackToTheClientSide(CancellationToken ct)
    {
        int remotePort = Sockets.FreePort();
        BackgroundProcess ssh = StartSsh("-N", "-R", $"{remotePort}:127.0.0.1:{_echo.Port}");

        using Socket socket = await Sockets.ConnectWhenListeningAsync(remotePort, ct);
        Assert.That(ssh.HasExited, Is.False, ssh.Output);
        byte[] data = Sockets.RandomBytes(1 << 20);

        Assert.That(await Sockets.EchoAsync(socket, data, ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshL_ToAUnixSocket_UsesDirectStreamLocal(CancellationToken ct)
    {
        await using var unixEcho = EchoServer.StartUnix(Path.Combine(_server.Directory, "echo.sock"));
        int localPort = Sockets.FreePort();
        StartSsh("-N", "-L", $"127.0.0.1:{localPort}:{unixEcho.SocketPath}");

        using Socket socket = await Sockets.ConnectWhenListeningAsync(localPort, ct);
        byte[] data = Sockets.RandomBytes(300_000);

        Assert.That(await Sockets.EchoAsync(socket, data, ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshR_FromAUnixSocket_UsesStreamLocalForward(CancellationToken ct)
    {
        string path = Path.Combine(_server.Directory, "remote.sock");
        BackgroundProcess ssh = StartSsh("-N", "-R", $"{path}:127.0.0.1:{_echo.Port}");

        Socket? socket = null;
        while (socket is null)
        {
            try
            {
                socket = await Sockets.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), ct);
            }
            catch (SocketException)
            {
                Assert.That(ssh.HasExited, Is.False, ssh.Output);
                await Task.Delay(50, ct);
            }
        }
        using (socket)
        {
            byte[] data = Sockets.RandomBytes(100_000);
            Assert.That(await Sockets.EchoAsync(socket, data, ct), Is.EqualTo(data));
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshW_UsesStdinAndStdoutAsTheStream(CancellationToken ct)
    {
        byte[] data = Sockets.RandomBytes(256 * 1024);

        ProcessResult result = await ProcessRunner.RunAsync(PeerBinaries.Ssh,
            _server.SshArguments("-W", $"127.0.0.1:{_echo.Port}"), data, TimeSpan.FromSeconds(50), cancellationToken: ct);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.StdoutBytes, Is.EqualTo(data), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshW_ToAClosedPort_Fails(CancellationToken ct)
    {
        ProcessResult result = await ProcessRunner.RunAsync(PeerBinaries.Ssh,
            _server.SshArguments("-W", $"127.0.0.1:{Sockets.FreePort()}"), [], TimeSpan.FromSeconds(50), cancellationToken: ct);

        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe);
        Assert.That(result.Stderr, Does.Contain("open failed").Or.Contain("Connection refused"), result.Describe);
    }
}
