using System.Diagnostics;
using System.Net;
using System.Text;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Server;
using Ssh.Tests.Channels.Forwarding;

namespace Ssh.InteropTests.Examples;

/// <summary>The programs under <c>examples/</c>, run as a user runs them (<c>dotnet Example.dll ...</c>, built with
/// Ssh.sln) against a <see cref="TestSshServer"/>, and the sudo one against Debian's sshd, whose test user has a
/// password-asking sudo.</summary>
[TestFixture]
public sealed class ExamplesTests
{
    private const int TimeoutMs = 120_000;
    private readonly List<string> _cleanup = [];

    [TearDown]
    public void CleanUp()
    {
        foreach (string path in _cleanup)
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else File.Delete(path);
        }
        _cleanup.Clear();
    }

    private static string ExamplePath(string name)
    {
        string dll = Path.Combine(Repository.Root, "examples", name, "bin", "Release", "net10.0", name + ".dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} is missing: build Ssh.sln -c Release first");
        return dll;
    }

    /// <summary>The environment the client examples read: the password, and a known_hosts holding the server's key.</summary>
    private Dictionary<string, string?> Environment(string password, string knownHostsLines)
    {
        string knownHosts = Path.Combine(Path.GetTempPath(), $"sshcs-example-known-hosts-{Guid.NewGuid():N}");
        File.WriteAllText(knownHosts, knownHostsLines + "\n");
        _cleanup.Add(knownHosts);
        return new() { ["SSH_PASSWORD"] = password, ["SSH_KNOWN_HOSTS"] = knownHosts, ["SSH_AUTH_SOCK"] = null };
    }

    private Task<ProcessResult> RunAsync(string example, TestSshServer server, CancellationToken ct, params string[] rest) =>
        ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [ExamplePath(example), server.Host, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), server.User, .. rest],
            timeout: TimeSpan.FromSeconds(60), environment: Environment(server.Password, server.KnownHostsLines), cancellationToken: ct);

    [Test, CancelAfter(TimeoutMs)]
    public async Task Exec_prints_both_streams_and_exits_with_the_remote_status(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        var result = await RunAsync("Exec", server, ct, "echo out; echo err >&2; exit 7");
        Assert.That(result.ExitCode, Is.EqualTo(7), result.Describe());
        Assert.That(result.Stdout, Is.EqualTo("out\n"), result.Describe());
        Assert.That(result.Stderr, Does.Contain("err"), result.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Exec_refuses_a_host_that_is_not_in_known_hosts(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [ExamplePath("Exec"), server.Host, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), server.User, "true"],
            timeout: TimeSpan.FromSeconds(60), environment: Environment(server.Password, "# empty"), cancellationToken: ct);
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.Describe());
        Assert.That(result.Stderr, Does.Contain("not in known_hosts"), result.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task NohupService_returns_at_once_and_leaves_the_service_running(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        var clock = Stopwatch.StartNew();
        var result = await RunAsync("NohupService", server, ct, "sleep", "120");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "returned without waiting for the service");
        var match = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"started: pid (\d+), log (\S+)");
        Assert.That(match.Success, result.Describe());
        int pid = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        _cleanup.Add(match.Groups[2].Value);
        using Process service = Process.GetProcessById(pid); // the server runs commands as this user, on this machine
        Assert.That(service.HasExited, Is.False, "the service kept running after the client disconnected");
        service.Kill();
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SftpUploadDirectory_copies_a_tree(CancellationToken ct)
    {
        string root = Directory.CreateTempSubdirectory("sshcs-example-sftp-root-").FullName;
        string local = Directory.CreateTempSubdirectory("sshcs-example-site-").FullName;
        _cleanup.Add(root);
        _cleanup.Add(local);
        Directory.CreateDirectory(Path.Combine(local, "css", "fonts"));
        await File.WriteAllTextAsync(Path.Combine(local, "index.html"), "<h1>hi</h1>", ct);
        await File.WriteAllTextAsync(Path.Combine(local, "css", "site.css"), "h1 { }", ct);
        await File.WriteAllBytesAsync(Path.Combine(local, "css", "fonts", "a.woff"), new byte[100_000], ct);
        await using var server = TestSshServer.Start(sftpRoot: root);

        var result = await RunAsync("SftpUploadDirectory", server, ct, local, "/site");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Does.Contain("uploaded 3 files to /site"), result.Describe());
        Assert.That(await File.ReadAllTextAsync(Path.Combine(root, "site", "css", "site.css"), ct), Is.EqualTo("h1 { }"));
        Assert.That(new FileInfo(Path.Combine(root, "site", "css", "fonts", "a.woff")).Length, Is.EqualTo(100_000));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task PortForward_carries_a_tcp_connection_through_the_server(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        await using var echo = EchoServer.StartTcp();
        using Process forward = Start("PortForward", Environment(server.Password, server.KnownHostsLines),
            server.Host, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), server.User, "0", "127.0.0.1",
            echo.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string line = await ReadLineStartingAsync(forward, "forwarding ", ct);
        int localPort = int.Parse(line.Split(' ')[1].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

        using var socket = await SocketRoundTrip.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), ct);
        byte[] data = SocketRoundTrip.RandomBytes(64 * 1024);
        Assert.That(await SocketRoundTrip.EchoAsync(socket, data, ct), Is.EqualTo(data));
        await StopAsync(forward, ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task EmbeddedServer_answers_our_client(CancellationToken ct)
    {
        using Process embedded = Start("EmbeddedServer", new Dictionary<string, string?>(), "0");
        string line = await ReadLineStartingAsync(embedded, "listening on ", ct);
        int port = int.Parse(line.Split(' ')[2].TrimEnd(',').Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);

        using (var client = new SshClient())
        {
            client.SetMissingHostKeyPolicy(new AutoAddPolicy());
            await client.ConnectAsync("127.0.0.1", port, "demo", "demo", allowAgent: false, lookForKeys: false, cancellationToken: ct);
            var (_, stdout, _) = await client.ExecCommandAsync("hello there", cancellationToken: ct);
            Assert.That(await stdout.ReadToEndAsync(ct), Is.EqualTo("demo server ran: hello there\n"));
            Assert.That(await stdout.Channel.RecvExitStatusAsync(ct), Is.EqualTo(0));
        }
        using (var wrong = new SshClient())
        {
            wrong.SetMissingHostKeyPolicy(new AutoAddPolicy());
            Assert.ThrowsAsync<Ssh.Transport.AuthenticationException>(() => wrong.ConnectAsync("127.0.0.1", port, "demo", "nope",
                allowAgent: false, lookForKeys: false, cancellationToken: ct));
        }
        await StopAsync(embedded, ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SudoPty_answers_sudos_password_prompt_on_a_pty(CancellationToken ct)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: ct);
        if (target.Password is null || target.HostPublicKey is null || target.Server is null)
            Assert.Ignore("Needs the local sshd's test user, whose sudo asks for its password.");
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [ExamplePath("SudoPty"), target.Host, target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), target.UserName,
             "-k", "whoami"],
            timeout: TimeSpan.FromSeconds(60), environment: Environment(target.Password!, $"[{target.Host}]:{target.Port} {target.HostPublicKey}"),
            cancellationToken: ct);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Does.Contain("root"), result.Describe());
        Assert.That(result.Stdout, Does.Not.Contain("sudo-password"), "the prompt is not printed as output");
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain(target.Password!), "the password is never echoed");
    }

    private Process Start(string example, Dictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo(SshcsServerProcess.DotnetPath())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ExamplePath(example));
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"{example} did not start.");
    }

    private static async Task<string> ReadLineStartingAsync(Process process, string prefix, CancellationToken ct)
    {
        var seen = new StringBuilder();
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line;
            seen.AppendLine(line);
        }
        Assert.Fail($"The example ended without a line starting '{prefix}'.\nstdout:\n{seen}\nstderr:\n{await process.StandardError.ReadToEndAsync(ct)}");
        return "";
    }

    /// <summary>Closing standard input stops the long-running examples; they exit 0.</summary>
    private static async Task StopAsync(Process process, CancellationToken ct)
    {
        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("The example did not stop when its standard input closed.");
        }
        Assert.That(process.ExitCode, Is.EqualTo(0), await process.StandardError.ReadToEndAsync(ct));
    }
}
