using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Keys;

/// <summary><c>sshcs keyscan</c> beside OpenSSH's ssh-keyscan, against Debian's sshd and against sshcs server.</summary>
[TestFixture]
public sealed class KeyscanInteropTests : SharedServerFixture
{
    private const int TimeoutMs = 120_000;

    private static Task<ProcessResult> Sshcs(params string[] args) =>
        ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), [SshcsServerProcess.CliPath(), "keyscan", .. args], timeout: TimeSpan.FromSeconds(90));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    [TestCase("")]
    [TestCase("ed25519")]
    [TestCase("rsa,ecdsa")]
    [CancelAfter(TimeoutMs)]
    public async Task Sshcs_keyscan_prints_what_ssh_keyscan_prints(string types)
    {
        string[] options = types.Length == 0 ? [] : ["-t", types];
        string port = Target.Port.ToString();
        var theirs = await ProcessRunner.RunAsync(PeerBinaries.SshKeyscan, [.. options, "-p", port, Target.Host], timeout: TimeSpan.FromSeconds(60));
        var ours = await Sshcs([.. options, "-p", port, Target.Host]);

        Assert.That(ours.ExitCode, Is.EqualTo(0), ours.Describe());
        Assert.That(Lines(theirs.Stdout), Is.Not.Empty, theirs.Describe());
        Assert.That(Lines(ours.Stdout), Is.EqualTo(Lines(theirs.Stdout)), ours.Describe());
        Assert.That(ours.Stderr, Does.Contain($"# {Target.Host}:{port} SSH-2.0-OpenSSH"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Hashed_lines_are_found_by_ssh_keygen_F()
    {
        var ours = await Sshcs("-H", "-t", "ed25519", "-p", Target.Port.ToString(), Target.Host);
        Assert.That(ours.Stdout, Does.StartWith("|1|"), ours.Describe());
        string file = Path.Combine(Path.GetTempPath(), "sshcs-keyscan-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(file, ours.Stdout);
            var found = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-F", $"[{Target.Host}]:{Target.Port}", "-f", file], timeout: TimeSpan.FromSeconds(30));
            Assert.That(found.ExitCode, Is.EqualTo(0), found.Describe());
            Assert.That(found.Stdout, Does.Contain(Target.HostPublicKey!.Split(' ')[1]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Host_certificates_are_scanned_with_c(CancellationToken cancellationToken)
    {
        string dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "keyscan-");
        try
        {
            var ca = await TestCertificateAuthority.CreateAsync(dir, cancellationToken: cancellationToken);
            string hostKey = await TestCertificateAuthority.KeygenAsync(dir, "host_key", cancellationToken: cancellationToken);
            string cert = await ca.SignAsync(hostKey, "scanned", "127.0.0.1", host: true, cancellationToken: cancellationToken);
            await using var server = await SshcsServerProcess.StartAsync(["--host-key", hostKey, "--host-certificate", cert], cancellationToken);
            string port = server.Port.ToString();

            var theirs = await ProcessRunner.RunAsync(PeerBinaries.SshKeyscan, ["-c", "-t", "ed25519", "-p", port, server.Host], timeout: TimeSpan.FromSeconds(60),
                cancellationToken: cancellationToken);
            var ours = await Sshcs("-c", "-t", "ed25519", "-p", port, server.Host);
            Assert.That(ours.Stdout, Does.StartWith("ssh-ed25519-cert-v01@openssh.com "), ours.Describe());
            Assert.That(Lines(ours.Stdout), Is.EqualTo(Lines(theirs.Stdout)), theirs.Describe());
        }
        finally
        {
            OpenSshServer.TryDeleteDirectory(dir);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_host_that_does_not_answer_gives_status_1()
    {
        var ours = await Sshcs("-T", "3", "-p", "1", "127.0.0.1");
        Assert.That(ours.ExitCode, Is.EqualTo(1), ours.Describe());
        Assert.That(ours.Stdout, Is.Empty);
        Assert.That(ours.Stderr, Does.Contain("127.0.0.1:1"));
    }
}
