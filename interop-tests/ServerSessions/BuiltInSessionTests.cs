using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;

namespace Ssh.InteropTests.ServerSessions;

/// <summary>The built-in session handler behind <c>sshcs server</c>, driven by our client: exit status and
/// signals, ptys, environment, background daemons.</summary>
[TestFixture]
public sealed class BuiltInSessionTests
{
    private const int TimeoutMs = 60_000;
    private TestSshServer _server = null!;

    [OneTimeSetUp]
    public void StartServer() => _server = TestSshServer.Start();

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server != null) await _server.DisposeAsync();
    }

    private async Task<SshClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SshClient();
        client.GetHostKeys().Add($"[{_server.Host}]:{_server.Port}", _server.HostKey.KeyType, _server.HostKey);
        await client.ConnectAsync(_server.Host, _server.Port, _server.User, pkey: _server.ClientKey, lookForKeys: false,
            cancellationToken: cancellationToken);
        return client;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Exit_status_stdout_stderr_and_stdin_eof(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        var (stdin, stdout, stderr) = await client.ExecCommandAsync("cat; echo err >&2; exit 44", cancellationToken: cancellationToken);
        await stdin.WriteAsync("through stdin\n", cancellationToken);
        await stdin.CloseAsync(cancellationToken);
        Assert.That(await stdout.ReadToEndAsync(cancellationToken), Is.EqualTo("through stdin\n"));
        Assert.That(await stderr.ReadToEndAsync(cancellationToken), Is.EqualTo("err\n"));
        Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(44));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_process_killed_by_a_signal_reports_exit_signal(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        var (_, stdout, _) = await client.ExecCommandAsync("kill -TERM $$", cancellationToken: cancellationToken);
        Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(-1));
        Assert.That(stdout.Channel.ExitSignal?.SignalName, Is.EqualTo("TERM"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_signal_request_reaches_the_process(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        var (_, stdout, _) = await client.ExecCommandAsync("trap 'echo got-int; exit 9' INT; echo ready; while :; do sleep 0.1; done", cancellationToken: cancellationToken);
        Assert.That(await stdout.ReadLineAsync(cancellationToken), Is.EqualTo("ready\n"));
        await stdout.Channel.SendSignalAsync("INT", cancellationToken);
        Assert.That(await stdout.ReadLineAsync(cancellationToken), Is.EqualTo("got-int\n"));
        Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(9));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_pty_has_the_requested_size_and_follows_window_changes(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        Channel channel = await client.GetTransport()!.OpenSessionAsync(cancellationToken);
        await channel.GetPtyAsync("xterm", 120, 33, cancellationToken: cancellationToken);
        await channel.ExecCommandAsync("tty; stty size; read line; stty size", cancellationToken);
        ChannelFile output = channel.MakeFile();
        Assert.That(await output.ReadLineAsync(cancellationToken), Does.StartWith("/dev/pts/"));
        Assert.That(await output.ReadLineAsync(cancellationToken), Is.EqualTo("33 120\r\n"));
        await channel.ResizePtyAsync(90, 20, cancellationToken: cancellationToken);
        await Task.Delay(200, cancellationToken);
        await channel.SendAllAsync(Encoding.UTF8.GetBytes("go\n"), cancellationToken);
        string rest = await output.ReadToEndAsync(cancellationToken);
        Assert.That(rest, Does.Contain("20 90"));
        Assert.That(await channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Requested_environment_reaches_the_command(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        var (_, stdout, _) = await client.ExecCommandAsync("echo $LC_SSHCS_PROBE $LANG", environment: new Dictionary<string, string>
        {
            ["LC_SSHCS_PROBE"] = "yes-it-arrived",
            ["LANG"] = "C.UTF-8",
        }, cancellationToken: cancellationToken);
        Assert.That(await stdout.ReadToEndAsync(cancellationToken), Is.EqualTo("yes-it-arrived C.UTF-8\n"));
    }

    /// <summary>Hardening finding 3: a client's env must not choose the code the command runs (OpenSSH's AcceptEnv
    /// default), and env requests cannot make the server store without bound.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Environment_outside_AcceptEnv_is_refused_and_env_requests_are_bounded(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        Channel channel = await client.GetTransport()!.OpenSessionAsync(cancellationToken);
        foreach (string name in new[] { "LD_PRELOAD", "PATH", "BASH_ENV", "SSHCS_PROBE" })
            Assert.That(await channel.SendRequestAsync("env", true, EnvData(name, "/tmp/evil"), cancellationToken), Is.False, name);
        // 20,000 requests of 10 KB: each beyond the limits is refused, and nothing grows.
        long before = GC.GetTotalMemory(forceFullCollection: true);
        int accepted = 0;
        string big = new('x', 10_000);
        for (int i = 0; i < 2_000; i++)
        {
            if (await channel.SendRequestAsync("env", true, EnvData($"LC_FLOOD_{i}", big), cancellationToken)) accepted++;
        }
        long grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.That(accepted, Is.LessThanOrEqualTo(64));
        Assert.That(grown, Is.LessThan(16 << 20), "env requests grew the server's heap");
        await channel.ExecCommandAsync("echo \"[$LD_PRELOAD][$BASH_ENV][$SSHCS_PROBE]\"", cancellationToken);
        var output = channel.MakeFile();
        Assert.That(await output.ReadToEndAsync(cancellationToken), Is.EqualTo("[][][]\n"));
    }

    private static byte[] EnvData(string name, string value) =>
        new Ssh.Transport.Wire.SshBuffer().WriteString(name).WriteString(value).ToArray();

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_background_daemon_with_redirected_output_returns_promptly(CancellationToken cancellationToken)
    {
        string marker = $"sleep 61.{Random.Shared.Next(1000, 9999)}";
        await using SshClient client = await ConnectAsync(cancellationToken);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var (_, stdout, _) = await client.ExecCommandAsync($"nohup {marker} > /dev/null 2>&1 &", cancellationToken: cancellationToken);
            Assert.That(await stdout.ReadToEndAsync(cancellationToken), Is.Empty);
            Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0));
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            var (_, check, _) = await client.ExecCommandAsync($"pgrep -f '{marker}' >/dev/null && echo running", cancellationToken: cancellationToken);
            Assert.That(await check.ReadToEndAsync(cancellationToken), Is.EqualTo("running\n"));
        }
        finally
        {
            var (_, kill, _) = await client.ExecCommandAsync($"pkill -f '{marker}'", cancellationToken: CancellationToken.None);
            await kill.Channel.RecvExitStatusAsync(CancellationToken.None);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public void Wrong_password_is_refused_and_names_the_methods(CancellationToken cancellationToken)
    {
        using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        var error = Assert.ThrowsAsync<Ssh.Transport.AuthenticationException>(() =>
            client.ConnectAsync(_server.Host, _server.Port, _server.User, password: "wrong", lookForKeys: false, cancellationToken: cancellationToken));
        Assert.That(error!.AllowedMethods, Does.Contain("password"));
    }
}
