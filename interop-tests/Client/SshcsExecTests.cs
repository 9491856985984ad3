using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary><c>sshcs exec</c>, the CLI, against Debian's sshd: ssh's contract for scripts (streams, exit status,
/// 255 and one line on failure).</summary>
[TestFixture]
public sealed class SshcsExecTests
{
    private const int TimeoutMs = 120_000;
    private ServerTarget _target = null!;
    private string _knownHosts = null!;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _target = await ServerTarget.StartAsync();
        _knownHosts = Path.Combine(Path.GetTempPath(), $"sshcs-exec-known-hosts-{Guid.NewGuid():N}");
        if (_target.HostPublicKey is { } line) File.WriteAllText(_knownHosts, $"[{_target.Host}]:{_target.Port} {line}\n");
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_target != null) await _target.DisposeAsync();
        File.Delete(_knownHosts);
    }

    private Task<ProcessResult> ExecAsync(string command, byte[]? stdin = null, CancellationToken cancellationToken = default, params string[] extra)
    {
        var args = new List<string> { SshcsServerProcess.CliPath(), "exec", "-p", _target.Port.ToString(), "-i", _target.KeyPath,
            "--known-hosts", _knownHosts, "--host-key-policy", _target.HostPublicKey is null ? "auto-add" : "reject" };
        args.AddRange(extra);
        args.Add($"{_target.UserName}@{_target.Host}");
        args.Add(command);
        return ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, stdin, TimeSpan.FromSeconds(90), cancellationToken: cancellationToken);
    }

    [TestCase("exit 0", 0)]
    [TestCase("false", 1)]
    [TestCase("exit 44", 44)]
    [CancelAfter(TimeoutMs)]
    public async Task Exits_with_the_remote_status(string command, int expected, CancellationToken cancellationToken)
    {
        var result = await ExecAsync(command, cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(expected), result.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_command_killed_by_a_signal_exits_255_as_ssh_does(CancellationToken cancellationToken)
    {
        var result = await ExecAsync("kill -TERM $$", cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
        Assert.That(result.Stderr, Does.Contain("killed by signal TERM"), result.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task The_tool_answers_version_help_and_usage_errors_as_a_cli_should(CancellationToken cancellationToken)
    {
        async Task<ProcessResult> Sshcs(params string[] args) =>
            await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), [SshcsServerProcess.CliPath(), .. args], timeout: TimeSpan.FromSeconds(60),
                cancellationToken: cancellationToken);

        var version = await Sshcs("--version");
        Assert.That(version.ExitCode, Is.EqualTo(0), version.Describe());
        Assert.That(version.Stdout, Does.Match(@"^sshcs \d+\.\d+\.\d+ \(SSH-2\.0-SshCs_"), version.Describe());
        foreach (string command in new[] { "server", "exec", "sftp", "keygen", "keyscan" })
        {
            var help = await Sshcs("help", command);
            var dashHelp = await Sshcs(command, "--help");
            Assert.That(help.ExitCode, Is.EqualTo(0), help.Describe());
            Assert.That(help.Stdout, Does.StartWith($"usage: sshcs {command}"), help.Describe());
            Assert.That(dashHelp.Stdout, Is.EqualTo(help.Stdout));
        }
        var unknown = await Sshcs("nope");
        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.Describe());
        Assert.That(unknown.Stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line for a usage error");
        var badOption = await Sshcs("server", "--bogus");
        Assert.That((badOption.ExitCode, badOption.Stderr.TrimEnd()), Is.EqualTo((2, "sshcs server: Unknown option '--bogus'.")), badOption.Describe());
        var execUsage = await Sshcs("exec");
        Assert.That(execUsage.ExitCode, Is.EqualTo(255), "sshcs exec stands in for ssh, which exits 255");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Streams_stdin_stdout_and_stderr_apart(CancellationToken cancellationToken)
    {
        byte[] data = new byte[3_000_000];
        new Random(3).NextBytes(data);
        var result = await ExecAsync("sha256sum; echo done >&2", data, cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Does.StartWith(Convert.ToHexStringLower(SHA256.HashData(data))));
        Assert.That(result.Stderr, Is.EqualTo("done\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Forced_cipher_option_is_used(CancellationToken cancellationToken)
    {
        var result = await ExecAsync("echo ok", null, cancellationToken, "-o", "Ciphers=aes256-ctr", "-o", "MACs=hmac-sha2-512");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Is.EqualTo("ok\n"));
    }

    [TestCase("-C", null), TestCase("-o", "Compression=yes"), CancelAfter(TimeoutMs)]
    public async Task Compression_option_compresses(string flag, string? value, CancellationToken cancellationToken)
    {
        byte[] text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i}\n")));
        int Negotiated() => _target.IsExternal ? 0 : System.Text.RegularExpressions.Regex.Matches(_target.LogTail(5000), "compression: zlib@openssh.com").Count;
        int before = Negotiated();
        var result = await ExecAsync("sha256sum", text, cancellationToken, value is null ? [flag] : [flag, value]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Does.StartWith(Convert.ToHexStringLower(SHA256.HashData(text))));
        if (!_target.IsExternal)
            Assert.That(Negotiated(), Is.GreaterThan(before), "sshd's log of this connection's negotiation");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_failed_connection_exits_255_with_one_line(CancellationToken cancellationToken)
    {
        var args = new List<string> { SshcsServerProcess.CliPath(), "exec", "-p", "1", "--connect-timeout", "5", "nobody@127.0.0.1", "true" };
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
        Assert.That(result.Stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), result.Describe());
        Assert.That(result.Stderr, Does.Contain("127.0.0.1:1"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_refused_key_exits_255(CancellationToken cancellationToken)
    {
        string otherKey = Path.Combine(Path.GetTempPath(), $"sshcs-exec-other-{Guid.NewGuid():N}");
        await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", otherKey], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        try
        {
            var args = new List<string> { SshcsServerProcess.CliPath(), "exec", "-p", _target.Port.ToString(), "-i", otherKey,
                "--known-hosts", _knownHosts, "--host-key-policy", "auto-add", $"{_target.UserName}@{_target.Host}", "true" };
            var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
            Assert.That(result.Stderr, Does.Contain("authentication failed").IgnoreCase, result.Describe());
        }
        finally
        {
            File.Delete(otherKey);
            File.Delete(otherKey + ".pub");
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_host_alias_from_an_ssh_config_file_is_resolved(CancellationToken cancellationToken)
    {
        string config = Path.Combine(Path.GetTempPath(), $"sshcs-exec-config-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(config, $"""
            Host the-alias
                HostName {_target.Host}
                Port {_target.Port}
                User {_target.UserName}
                IdentityFile {_target.KeyPath}
            """, cancellationToken);
        try
        {
            var args = new List<string> { SshcsServerProcess.CliPath(), "exec", "-F", config, "--known-hosts", _knownHosts,
                "--host-key-policy", _target.HostPublicKey is null ? "auto-add" : "reject", "the-alias", "id -un" };
            var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
            Assert.That(result.Stdout.Trim(), Is.EqualTo(_target.UserName));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Dash_v_prints_what_the_protocol_does_as_ssh_debug_lines(CancellationToken cancellationToken)
    {
        var v = await ExecAsync("true", cancellationToken: cancellationToken, extra: "-v");
        Assert.That(v.ExitCode, Is.EqualTo(0), v.Describe());
        Assert.That(v.Stderr, Does.Contain("debug1: Remote version string SSH-2.0-OpenSSH_"), v.Describe());
        Assert.That(v.Stderr, Does.Contain("debug1: kex: algorithm: "), v.Describe());
        Assert.That(v.Stderr, Does.Contain("debug1: Server host key: ssh-ed25519 SHA256:"), v.Describe());
        Assert.That(v.Stderr, Does.Contain("debug1: Offering public key: "), v.Describe());
        Assert.That(v.Stderr, Does.Contain($"debug1: Authenticated to {_target.Host} port {_target.Port} using \"publickey\""), v.Describe());
        Assert.That(v.Stderr, Does.Contain("debug1: channel 0: exit status 0"), v.Describe());
        Assert.That(v.Stderr, Does.Not.Contain("debug2:"), "-v shows no Trace events");

        var vv = await ExecAsync("true", cancellationToken: cancellationToken, extra: "-vv");
        Assert.That(vv.Stderr, Does.Contain("debug2: local client KEXINIT proposal: KEX algorithms: "), vv.Describe());
        Assert.That(vv.Stderr, Does.Contain("debug2: peer server KEXINIT proposal: "), vv.Describe());
        Assert.That(vv.Stderr, Does.Contain("debug2: channel 0: request exec sent"), vv.Describe());

        var quiet = await ExecAsync("true", cancellationToken: cancellationToken);
        Assert.That(quiet.Stderr, Does.Not.Contain("debug1:"), quiet.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task An_unknown_host_is_refused_in_the_tools_own_words(CancellationToken cancellationToken)
    {
        string empty = Path.Combine(Path.GetTempPath(), $"sshcs-exec-empty-known-hosts-{Guid.NewGuid():N}");
        try
        {
            var args = new List<string> { SshcsServerProcess.CliPath(), "exec", "-p", _target.Port.ToString(), "-i", _target.KeyPath,
                "--known-hosts", empty, $"{_target.UserName}@{_target.Host}", "true" };
            var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
            Assert.That(result.Stderr, Does.Contain("--host-key-policy auto-add").And.Contain("--known-hosts").And.Contain(empty), result.Describe());
            Assert.That(result.Stderr, Does.Not.Contain("Policy"), "no library type names in the tool's messages");
            Assert.That(result.Stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), result.Describe());
        }
        finally
        {
            File.Delete(empty);
        }
    }
}
