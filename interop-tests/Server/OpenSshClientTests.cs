using System.Security.Cryptography;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>OpenSSH's <c>ssh</c>, <c>scp</c> and <c>ssh-keyscan</c> against <c>sshcs server</c>, with a password and
/// with an ed25519 key; StrictHostKeyChecking=yes with a known_hosts file proves the host key every time.</summary>
[TestFixture]
public sealed class OpenSshClientTests : SharedSshcsServerFixture
{
    private const int TimeoutMs = 90_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Exec_reports_exit_codes([Values] Auth auth, [Values(0, 1, 44)] int code, CancellationToken cancellationToken)
    {
        string command = code == 1 ? "echo one; false" : $"echo code{code}; exit {code}";

        var result = await PeerClients.SshAsync(Server, auth, command, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(code), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo(code == 1 ? "one\n" : $"code{code}\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Stdin_is_piped_through([Values] Auth auth, CancellationToken cancellationToken)
    {
        var data = new byte[1 << 20];
        new Random(1).NextBytes(data);

        var result = await PeerClients.SshAsync(Server, auth, "sha256sum", stdin: data, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(data)) + "  -\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Stderr_stays_apart_from_stdout([Values] Auth auth, CancellationToken cancellationToken)
    {
        var result = await PeerClients.SshAsync(Server, auth, "for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 7",
            cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(7), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("out1\nout2\nout3\n"), result.Describe);
        Assert.That(result.Stderr, Is.EqualTo("err1\nerr2\nerr3\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Forced_tty_gives_the_command_a_pseudo_terminal([Values] Auth auth, CancellationToken cancellationToken)
    {
        // ssh's own stdin is not a terminal here, so it asks for a pty of size 0x0: only the tty itself is checked.
        var result = await PeerClients.SshAsync(Server, auth, "tty; stty size; exit 3", ["-tt", "-o", "RequestTTY=force"],
            cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(3), result.Describe);
        Assert.That(result.Stdout, Does.Match(new Regex(@"^/dev/pts/\d+\r?\n")), result.Describe);
        Assert.That(result.Stdout, Does.Not.Contain("not a tty"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Without_a_tty_the_command_has_none([Values] Auth auth, CancellationToken cancellationToken)
    {
        var result = await PeerClients.SshAsync(Server, auth, "tty", ["-T"], cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("not a tty\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Keyscan_reads_our_host_key(CancellationToken cancellationToken)
    {
        var scan = await ProcessRunner.RunAsync(PeerBinaries.SshKeyscan, ["-t", "ed25519", "-p", Server.Port.ToString(), Server.Host],
            cancellationToken: cancellationToken);

        Assert.That(scan.ExitCode, Is.EqualTo(0), scan.Describe);
        Assert.That(scan.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Does.Contain(Server.HostKeyLine), scan.Describe);
        var fingerprint = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-l", "-E", "sha256", "-f", "-"], stdin: scan.StdoutBytes,
            cancellationToken: cancellationToken);
        Assert.That(fingerprint.Stdout, Does.Contain(" " + Server.HostKeyFingerprint + " "), fingerprint.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Keyscan_of_every_type_still_finds_the_key(CancellationToken cancellationToken)
    {
        // Without -t, ssh-keyscan tries each key type in its own connection; the ones we lack must fail cleanly.
        var scan = await ProcessRunner.RunAsync(PeerBinaries.SshKeyscan, ["-p", Server.Port.ToString(), Server.Host],
            cancellationToken: cancellationToken);

        Assert.That(scan.ExitCode, Is.EqualTo(0), scan.Describe);
        Assert.That(scan.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { Server.HostKeyLine }), scan.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Wrong_host_key_in_known_hosts_is_refused_by_ssh(CancellationToken cancellationToken)
    {
        // The control for StrictHostKeyChecking=yes: the same options with a different key fail.
        string other = Path.Combine(Server.Directory, "other_key");
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-f", other], cancellationToken: cancellationToken);
        string[] pub = File.ReadAllText(other + ".pub").Split(' ');
        string knownHosts = Path.Combine(Server.Directory, "known_hosts_wrong");
        await File.WriteAllTextAsync(knownHosts, $"[{Server.Host}]:{Server.Port} {pub[0]} {pub[1]}\n", cancellationToken);

        var result = await PeerClients.SshAsync(Server, Auth.Key, "echo reached", ["-o", $"UserKnownHostsFile={knownHosts}", "-o", "LogLevel=INFO"],
            cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe);
        Assert.That(result.Stdout, Is.Empty, result.Describe);
        Assert.That(result.Stderr, Does.Contain("HOST IDENTIFICATION HAS CHANGED"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Wrong_password_is_refused(CancellationToken cancellationToken)
    {
        string askpass = Path.Combine(Server.Directory, $"askpass-wrong-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(askpass, "#!/bin/sh\necho not-the-password\n", cancellationToken);
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var environment = PeerClients.OpenSshEnvironment(Server, Auth.Password);
        environment["SSH_ASKPASS"] = askpass;

        var result = await ProcessRunner.RunAsync(PeerBinaries.Ssh, PeerClients.SshArguments(Server, Auth.Password, "echo reached"),
            environment: environment, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe);
        Assert.That(result.Stdout, Is.Empty, result.Describe);
        Assert.That(result.Stderr, Does.Contain("Permission denied"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Scp_uploads_and_downloads_five_megabytes([Values] Auth auth, [Values] bool legacyProtocol, CancellationToken cancellationToken)
    {
        var data = new byte[5_000_000];
        new Random(5).NextBytes(data);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));
        string local = Path.Combine(Server.Directory, $"scp-local-{auth}-{legacyProtocol}");
        string remote = Path.Combine(Server.Directory, $"scp-remote-{auth}-{legacyProtocol}");
        string back = Path.Combine(Server.Directory, $"scp-back-{auth}-{legacyProtocol}");
        await File.WriteAllBytesAsync(local, data, cancellationToken);
        try
        {
            var upload = await PeerClients.ScpAsync(Server, auth, local, "remote:" + remote, cancellationToken, legacyProtocol);
            Assert.That(upload.ExitCode, Is.EqualTo(0), upload.Describe);
            // The server runs as this machine's user, so the "remote" file is right here.
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(remote, cancellationToken))), Is.EqualTo(expected), "upload corrupted");

            var download = await PeerClients.ScpAsync(Server, auth, "remote:" + remote, back, cancellationToken, legacyProtocol);
            Assert.That(download.ExitCode, Is.EqualTo(0), download.Describe);
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(back, cancellationToken))), Is.EqualTo(expected), "download corrupted");

            var exec = await PeerClients.SshAsync(Server, auth, $"sha256sum {remote}", cancellationToken: cancellationToken);
            Assert.That(exec.Stdout, Does.StartWith(expected), exec.Describe);
        }
        finally
        {
            File.Delete(local);
            File.Delete(remote);
            File.Delete(back);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Scp_of_a_missing_file_fails_cleanly([Values] Auth auth, CancellationToken cancellationToken)
    {
        string missing = Path.Combine(Server.Directory, "no-such-file");
        string back = Path.Combine(Server.Directory, $"scp-missing-{auth}");

        var download = await PeerClients.ScpAsync(Server, auth, "remote:" + missing, back, cancellationToken);

        Assert.That(download.ExitCode, Is.Not.EqualTo(0), download.Describe);
        Assert.That(download.Stderr, Does.Contain("No such file"), download.Describe);
        Assert.That(File.Exists(back), Is.False);
    }
}
