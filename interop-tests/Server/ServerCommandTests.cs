using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary><c>sshcs server</c>'s defaults: the built-in credentials stay on loopback, and the generated host key is
/// kept under XDG_STATE_HOME so a restart keeps the fingerprint.</summary>
[TestFixture]
public sealed class ServerCommandTests
{
    private const int TimeoutMs = 90_000;
    private string _stateHome = null!;

    [SetUp]
    public void CreateStateHome() => _stateHome = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-state-");

    [TearDown]
    public void RemoveStateHome() => OpenSshServer.TryDeleteDirectory(_stateHome);

    private Dictionary<string, string?> Environment() => new() { ["XDG_STATE_HOME"] = _stateHome };

    [TestCase("0.0.0.0:0")]
    [TestCase("[::]:0")]
    [CancelAfter(TimeoutMs)]
    public async Task Default_credentials_are_refused_on_a_non_loopback_address(string listen, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), [SshcsServerProcess.CliPath(), "server", "--listen", listen],
            timeout: TimeSpan.FromSeconds(30), environment: Environment(), cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.Describe);
        Assert.That(result.Stderr, Does.Contain("--user"), result.Describe);
        Assert.That(result.Stdout, Does.Not.Contain("Listening on"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Restart_keeps_the_generated_host_key(CancellationToken cancellationToken)
    {
        string first = await RunOnceAsync(connect: true, cancellationToken);
        string keyFile = Path.Combine(_stateHome, "sshcs", "ssh_host_ed25519_key");
        Assert.That(File.Exists(keyFile), Is.True, "no host key under XDG_STATE_HOME");
        Assert.That(File.GetUnixFileMode(keyFile) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead), Is.EqualTo(UnixFileMode.None),
            "the private host key is readable by others");

        string second = await RunOnceAsync(connect: false, cancellationToken);

        Assert.That(second, Is.EqualTo(first));
        Assert.That(await KeySet.FingerprintAsync(keyFile + ".pub", cancellationToken), Is.EqualTo(first));
    }

    /// <summary>Runs <c>sshcs server --listen 127.0.0.1:0</c> with nothing else, optionally logs in with the default
    /// <c>test</c>/<c>test</c> through OpenSSH, stops it with SIGTERM; returns the fingerprint it printed.</summary>
    private async Task<string> RunOnceAsync(bool connect, CancellationToken cancellationToken)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-default-");
        await using var server = SshcsServerProcess.Launch(["server", "--listen", "127.0.0.1:0"], directory, Environment());
        try
        {
            await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(15), cancellationToken);
            Assert.That(server.HostKeyFingerprint, Does.StartWith("SHA256:"), server.LogTail());
            if (connect)
            {
                string[] pub = File.ReadAllText(Path.Combine(_stateHome, "sshcs", "ssh_host_ed25519_key.pub")).Split(' ');
                server.HostPublicKey = $"{pub[0]} {pub[1]}";
                await File.WriteAllTextAsync(server.KnownHostsPath, server.HostKeyLine + "\n", cancellationToken);
                (server.User, server.Password) = ("test", "test");
                var result = await PeerClients.SshAsync(server, Auth.Password, "echo default user", cancellationToken: cancellationToken);
                Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + "\n" + server.LogTail());
                Assert.That(result.Stdout, Is.EqualTo("default user\n"), result.Describe);
            }
            return server.HostKeyFingerprint;
        }
        catch
        {
            TestContext.Out.WriteLine(server.LogTail());
            throw;
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sigterm_stops_the_server_gracefully(CancellationToken cancellationToken)
    {
        var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        int port = server.Port;
        await ProcessRunner.RunCheckedAsync("/bin/kill", ["-TERM", server.ProcessId.ToString()], cancellationToken: cancellationToken);
        try
        {
            int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Assert.That(exitCode, Is.EqualTo(0), server.LogTail());
            Assert.That(server.Log, Does.Contain("shutting down"));
            using var client = new System.Net.Sockets.TcpClient();
            Assert.That(() => client.Connect(System.Net.IPAddress.Loopback, port), Throws.InstanceOf<System.Net.Sockets.SocketException>(),
                "the port still accepts connections");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Log_level_debug_prints_what_sshd_d_shows_and_no_password(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(["--log-level", "debug"], cancellationToken);
        using (var client = new Ssh.Client.SshClient())
        {
            client.LoadHostKeys(server.KnownHostsPath);
            await client.ConnectAsync(server.Host, server.Port, server.User, server.Password, allowAgent: false, lookForKeys: false,
                cancellationToken: cancellationToken);
            var (_, stdout, _) = await client.ExecCommandAsync("echo logged", cancellationToken: cancellationToken);
            Assert.That((await stdout.ReadToEndAsync(cancellationToken)).Trim(), Is.EqualTo("logged"));
        }
        for (int i = 0; i < 100 && !server.Log.Contains("debug1: [Connection 127.0.0.1:", StringComparison.Ordinal)
                                  || !server.Log.Contains("Connection closed", StringComparison.Ordinal); i++)
            await Task.Delay(50, cancellationToken);
        string log = server.Log;
        Assert.That(log, Does.Contain("debug1: [Connection 127.0.0.1:"), log);
        Assert.That(log, Does.Contain("Remote version string SSH-2.0-SshCs_"), log);
        Assert.That(log, Does.Contain("kex: algorithm: "), log);
        Assert.That(log, Does.Contain($"Accepted password for {server.User}"), log);
        Assert.That(log, Does.Contain("Peer opens a session channel"), log);
        Assert.That(log, Does.Not.Contain(server.Password), log);
    }
}
