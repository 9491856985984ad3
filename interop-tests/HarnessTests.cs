using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests;

/// <summary>Proves the harness itself with Debian's own clients (ssh, sftp, ssh-keyscan, paramiko): when these pass,
/// a failing interop test of our client is about our client.</summary>
[TestFixture]
public sealed class HarnessTests : SharedServerFixture
{
    private const int TimeoutMs = 60_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ssh_returns_the_remote_output_and_exit_status(CancellationToken cancellationToken)
    {
        var result = await OpenSshClient.ExecAsync(Target, "echo hi; exit 44", cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(44), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("hi\n"), result.Describe);
    }

    [TestCase("exit 0", 0)]
    [TestCase("false", 1)]
    [TestCase("exit 44", 44)]
    [CancelAfter(TimeoutMs)]
    public async Task Ssh_reports_exit_codes(string command, int expected, CancellationToken cancellationToken)
    {
        var result = await OpenSshClient.ExecAsync(Target, command, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(expected), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Stderr_stays_apart_from_stdout(CancellationToken cancellationToken)
    {
        var result = await OpenSshClient.ExecAsync(Target, "echo out; echo err >&2", cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("out\n"), result.Describe);
        Assert.That(result.Stderr, Is.EqualTo("err\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Stdin_reaches_the_remote_command(CancellationToken cancellationToken)
    {
        var data = new byte[1 << 20];
        new Random(7).NextBytes(data);

        var result = await OpenSshClient.ExecAsync(Target, "sha256sum", stdin: data, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Does.StartWith(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Session_runs_as_the_test_user(CancellationToken cancellationToken)
    {
        var result = await OpenSshClient.ExecAsync(Target, "id -un; echo \"$HOME\"", cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        var expectedHome = Target.IsExternal ? result.Stdout.Split('\n')[1] : TestUser.Home;
        Assert.That(result.Stdout, Is.EqualTo($"{Target.UserName}\n{expectedHome}\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Password_authentication_accepts_the_password(CancellationToken cancellationToken)
    {
        var result = await SshWithPasswordAsync(Target.RequirePassword(), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("password ok\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Password_authentication_rejects_a_wrong_password(CancellationToken cancellationToken)
    {
        var result = await SshWithPasswordAsync("not-" + (Target.Password ?? "the-password"), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe);
        Assert.That(result.Stderr, Does.Contain("Permission denied"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Host_key_fingerprint_is_the_one_the_server_presents(CancellationToken cancellationToken)
    {
        if (Target.HostKeyFingerprint is null)
            Assert.Ignore("The external server's host key fingerprint is unknown; set SSH_INTEROP_HOST_KEY_FINGERPRINT.");

        var scan = await ProcessRunner.RunAsync(PeerBinaries.SshKeyscan,
            ["-t", "ed25519", "-p", Target.Port.ToString(), Target.Host], cancellationToken: cancellationToken);
        Assert.That(scan.ExitCode, Is.EqualTo(0), scan.Describe);
        var fingerprint = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-l", "-E", "sha256", "-f", "-"],
            stdin: scan.StdoutBytes, cancellationToken: cancellationToken);

        Assert.That(fingerprint.Stdout, Does.Contain(" " + Target.HostKeyFingerprint + " "), fingerprint.Describe);
        if (Target.HostPublicKey is { } hostKey)
            Assert.That(scan.Stdout, Does.Contain(string.Join(' ', hostKey.Split(' ')[..2])), scan.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sftp_subsystem_is_served(CancellationToken cancellationToken)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-b", "-",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-i", Target.KeyPath, "-P", Target.Port.ToString(), $"{Target.UserName}@{Target.Host}",
        };
        var result = await ProcessRunner.RunAsync(PeerBinaries.Sftp, args, stdin: "pwd\n"u8.ToArray(), cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Does.Contain("Remote working directory: /"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Paramiko_runs_a_command_with_the_key(CancellationToken cancellationToken)
    {
        const string script = """
            import sys, paramiko
            host, port, user, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
            client = paramiko.SSHClient()
            client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
            client.connect(host, port=port, username=user, key_filename=key, allow_agent=False, look_for_keys=False, timeout=10)
            _, stdout, _ = client.exec_command("echo paramiko; exit 3")
            sys.stdout.write(stdout.read().decode())
            sys.exit(stdout.channel.recv_exit_status())
            """;
        var result = await ProcessRunner.RunAsync(PeerBinaries.Python3,
            ["-c", script, Target.Host, Target.Port.ToString(), Target.UserName, Target.KeyPath], cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("paramiko\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Server_log_records_the_session(CancellationToken cancellationToken)
    {
        if (Target.IsExternal) Assert.Ignore("An external server's log is not ours to read.");

        var result = await OpenSshClient.ExecAsync(Target, "true", cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(Target.LogTail(2000), Does.Contain($"Accepted publickey for {Target.UserName} from 127.0.0.1"));
    }

    [TestCase("aes128-ctr", "aes256-gcm@openssh.com")]
    [TestCase("chacha20-poly1305@openssh.com", "aes128-ctr")]
    [CancelAfter(TimeoutMs)]
    public async Task Forced_cipher_is_the_only_one_the_server_accepts(string cipher, string other, CancellationToken cancellationToken)
    {
        await using var target = await ServerTarget.StartAsync([$"Ciphers {cipher}"], cancellationToken: cancellationToken);
        try
        {
            var ok = await OpenSshClient.ExecAsync(target, "echo ok", ["-v"], cancellationToken: cancellationToken);
            Assert.That(ok.ExitCode, Is.EqualTo(0), ok.Describe);
            Assert.That(ok.Stdout, Is.EqualTo("ok\n"), ok.Describe);
            Assert.That(ok.Stderr, Does.Contain($"kex: server->client cipher: {cipher}"), ok.Describe);

            var refused = await OpenSshClient.ExecAsync(target, "echo ok", ["-o", "LogLevel=INFO", "-o", $"Ciphers={other}"], cancellationToken: cancellationToken);
            Assert.That(refused.ExitCode, Is.EqualTo(255), refused.Describe);
            Assert.That(refused.Stderr, Does.Contain("no matching cipher found"), refused.Describe);
        }
        finally
        {
            target.WriteLogTailIfFailed();
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Fresh_host_keys_differ_from_the_shared_ones(CancellationToken cancellationToken)
    {
        await using var fresh = await ServerTarget.StartAsync(freshHostKeys: true, cancellationToken: cancellationToken);

        Assert.That(fresh.HostKeyFingerprint, Is.Not.EqualTo(Target.HostKeyFingerprint));
        var result = await OpenSshClient.ExecAsync(fresh, "echo fresh", cancellationToken: cancellationToken);
        Assert.That(result.Stdout, Is.EqualTo("fresh\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Several_servers_run_side_by_side(CancellationToken cancellationToken)
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Starts local servers; not applicable to an external server.");

        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => OpenSshServer.StartAsync(cancellationToken: cancellationToken)));
        try
        {
            Assert.That(servers.Select(s => s.Port).Distinct().Count(), Is.EqualTo(3));
            foreach (var server in servers)
                Assert.That(server.HasExited, Is.False, server.LogTail(20));
        }
        finally
        {
            foreach (var server in servers) server.Dispose();
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Dispose_stops_sshd_and_its_sessions_and_removes_its_files(CancellationToken cancellationToken)
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Starts a local server; not applicable to an external server.");

        var server = await OpenSshServer.StartAsync(cancellationToken: cancellationToken);
        var target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        await target.DisposeAsync(); // a second, independent server; disposing it must not touch the first

        // A session that would outlive a plain kill of the listener.
        var session = new ProcessStartInfo(PeerBinaries.Ssh)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in OpenSshClient.Arguments(ServerTarget.Wrap(server), null, "echo started; sleep 600")) session.ArgumentList.Add(arg);
        using var ssh = Process.Start(session)!;
        try
        {
            Assert.That(await ssh.StandardOutput.ReadLineAsync(cancellationToken), Is.EqualTo("started"));
            int pid = server.ProcessId;
            string directory = server.Directory;

            server.Dispose();

            Assert.That(ProcessIsAlive(pid), Is.False, "sshd still runs");
            Assert.That(Directory.Exists(directory), Is.False, "temp dir left behind");
            Assert.That(await ConnectsAsync(server.Port), Is.False, "the port still accepts connections");
            // Its session process went with it, so the client sees the connection close.
            await ssh.WaitForExitAsync(cancellationToken);
            Assert.That(ssh.ExitCode, Is.EqualTo(255));
        }
        finally
        {
            ProcessRunner.KillTree(ssh);
            server.Dispose();
        }
    }

    private async Task<ProcessResult> SshWithPasswordAsync(string password, CancellationToken cancellationToken)
    {
        // ssh reads a password only from a terminal or SSH_ASKPASS; force the latter with a script that prints it.
        var askpass = Path.Combine(Path.GetTempPath(), $"sshcs-askpass-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(askpass, $"#!/bin/sh\nprintf '%s\\n' '{password.Replace("'", "'\\''")}'\n", cancellationToken);
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            return await OpenSshClient.ExecAsync(Target, "echo password ok",
                ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                 "-o", "NumberOfPasswordPrompts=1"],
                environment: new Dictionary<string, string?>
                {
                    ["SSH_ASKPASS"] = askpass,
                    ["SSH_ASKPASS_REQUIRE"] = "force",
                    ["DISPLAY"] = null,
                },
                cancellationToken: cancellationToken);
        }
        finally
        {
            File.Delete(askpass);
        }
    }

    private static bool ProcessIsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");

    private static async Task<bool> ConnectsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
