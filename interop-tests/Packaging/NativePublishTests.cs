using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Packaging;

/// <summary><c>scripts/publish-cli.sh</c> (Native AOT) gives a <c>sshcs</c> that works as the JIT build does: no
/// code the trimmer or the AOT compiler broke. Published once for the fixture, then used both ways against OpenSSH:
/// <c>sshcs exec</c> to sshd, <c>ssh</c> and <c>sftp</c> to <c>sshcs server</c>, and <c>sshcs keygen</c> read by
/// <c>ssh-keygen</c>.</summary>
[TestFixture]
[NonParallelizable]
public sealed class NativePublishTests
{
    private const int TimeoutMs = 900_000;
    private string _work = "";
    private string _sshcs = "";

    [OneTimeSetUp]
    public async Task PublishAsync()
    {
        _work = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-native-");
        string root = Repository.Root;
        var publish = await ProcessRunner.RunAsync("/bin/bash", [Path.Combine(root, "scripts", "publish-cli.sh"), "-o", Path.Combine(_work, "bin")],
            timeout: TimeSpan.FromMinutes(12), workingDirectory: root);
        Assert.That(publish.ExitCode, Is.EqualTo(0), publish.Describe());
        _sshcs = Path.Combine(_work, "bin", "sshcs");
        Assert.That(File.Exists(_sshcs), Is.True, publish.Describe());
    }

    [OneTimeTearDown]
    public void Clean() => OpenSshServer.TryDeleteDirectory(_work);

    [Test, CancelAfter(TimeoutMs)]
    public async Task The_native_binary_prints_its_version(CancellationToken cancellationToken)
    {
        var version = await ProcessRunner.RunAsync(_sshcs, ["--version"], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(version.ExitCode, Is.EqualTo(0), version.Describe());
        Assert.That(version.Stdout, Does.StartWith("sshcs "), version.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Native_sshcs_exec_runs_a_command_on_sshd(CancellationToken cancellationToken)
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs the local sshd.");
        await using var target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        string knownHosts = Path.Combine(_work, $"known_hosts_{target.Port}");
        await File.WriteAllTextAsync(knownHosts, $"[{target.Host}]:{target.Port} {target.HostPublicKey}\n", cancellationToken);
        foreach (string cipher in new[] { "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com" })
        {
            var exec = await ProcessRunner.RunAsync(_sshcs,
                ["exec", "-F", "/dev/null", "-o", $"Ciphers={cipher}", "-p", target.Port.ToString(), "--known-hosts", knownHosts, "-i", target.KeyPath,
                 $"{target.UserName}@{target.Host}", "head -c 3000000 /dev/zero | wc -c; exit 3"],
                timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(exec.ExitCode, Is.EqualTo(3), exec.Describe() + target.LogTail());
            Assert.That(exec.Stdout.Trim(), Is.EqualTo("3000000"), cipher);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Native_sshcs_keygen_writes_a_key_ssh_keygen_reads(CancellationToken cancellationToken)
    {
        string key = Path.Combine(_work, "id_native");
        var keygen = await ProcessRunner.RunAsync(_sshcs, ["keygen", "-t", "ecdsa", "-N", "", "-C", "native", "-f", key],
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(keygen.ExitCode, Is.EqualTo(0), keygen.Describe());
        var read = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-y", "-f", key], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(read.ExitCode, Is.EqualTo(0), read.Describe());
        Assert.That(read.Stdout.Trim(), Is.EqualTo((await File.ReadAllTextAsync(key + ".pub", cancellationToken)).Trim()));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ssh_and_sftp_work_against_the_native_server(CancellationToken cancellationToken)
    {
        string dir = Path.Combine(_work, "server");
        Directory.CreateDirectory(dir);
        string hostKey = Path.Combine(dir, "host"), clientKey = Path.Combine(dir, "client");
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-f", hostKey], TimeSpan.FromSeconds(30), cancellationToken);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-f", clientKey], TimeSpan.FromSeconds(30), cancellationToken);
        File.Copy(clientKey + ".pub", Path.Combine(dir, "authorized_keys"), overwrite: true);
        string sftpRoot = Path.Combine(dir, "files");
        Directory.CreateDirectory(sftpRoot);

        var startInfo = new ProcessStartInfo(_sshcs) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        foreach (string a in new[] { "server", "--listen", "127.0.0.1:0", "--user", "native:unused", "--host-key", hostKey,
                     "--authorized-keys", Path.Combine(dir, "authorized_keys"), "--sftp-root", sftpRoot, "--log-level", "error" })
            startInfo.ArgumentList.Add(a);
        using Process server = Process.Start(startInfo)!;
        try
        {
            int port = 0;
            using (var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                ready.CancelAfter(TimeSpan.FromSeconds(20));
                while (port == 0 && await server.StandardOutput.ReadLineAsync(ready.Token) is { } line)
                {
                    if (Regex.Match(line, @"^Listening on 127\.0\.0\.1:(\d+)") is { Success: true } m) port = int.Parse(m.Groups[1].Value);
                }
            }
            Assert.That(port, Is.Not.Zero, "the native server printed where it listens");
            string knownHosts = Path.Combine(dir, "known_hosts");
            await File.WriteAllTextAsync(knownHosts, $"[127.0.0.1]:{port} {(await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim()}\n", cancellationToken);
            string[] options = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "StrictHostKeyChecking=yes",
                "-o", "IdentitiesOnly=yes", "-i", clientKey, "-P", port.ToString()];

            var ssh = await ProcessRunner.RunAsync(PeerBinaries.Ssh, [.. options.Select(o => o == "-P" ? "-p" : o), "native@127.0.0.1", "echo from-native; exit 4"],
                timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(ssh.ExitCode, Is.EqualTo(4), ssh.Describe());
            Assert.That(ssh.Stdout, Is.EqualTo("from-native\n"), ssh.Describe());

            string local = Path.Combine(dir, "upload.bin");
            await File.WriteAllBytesAsync(local, System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000), cancellationToken);
            var sftp = await ProcessRunner.RunAsync(PeerBinaries.Sftp, [.. options, "-b", "-", "native@127.0.0.1"],
                stdin: System.Text.Encoding.UTF8.GetBytes($"put {local} up.bin\nget up.bin {local}.back\n"),
                timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
            Assert.That(sftp.ExitCode, Is.EqualTo(0), sftp.Describe());
            Assert.That(await File.ReadAllBytesAsync(local + ".back", cancellationToken), Is.EqualTo(await File.ReadAllBytesAsync(local, cancellationToken)));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }
}
