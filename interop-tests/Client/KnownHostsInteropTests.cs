using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>known_hosts shared with OpenSSH: a host known only by its RSA key is asked for RSA first (ssh's
/// order_hostkeyalgs), hashed lines we write are read by ssh and ssh-keygen, and ssh-keygen -H's are read by us.</summary>
[TestFixture]
public sealed class KnownHostsInteropTests : SharedServerFixture
{
    private const int TimeoutMs = 60_000;

    private string TempFile() => Path.Combine(Path.GetTempPath(), "sshcs-known-hosts-" + Guid.NewGuid().ToString("N"));

    private string HostName => $"[{Target.Host}]:{Target.Port}";

    [TestCase("rsa", "rsa-sha2-512")]
    [TestCase("ecdsa", "ecdsa-sha2-nistp256")]
    [CancelAfter(TimeoutMs)]
    public async Task A_host_known_by_one_key_type_is_asked_for_that_type_first(string type, string expected, CancellationToken cancellationToken)
    {
        if (Target.Server is null) Assert.Ignore("Needs the local sshd's host key files.");
        SshPublicKey known = PublicKeyFile.Load(Target.Server.HostKeyPaths[type] + ".pub").Key;
        await using var client = new SshClient(); // RejectPolicy: an ed25519 key it was not told of would fail the connect
        client.GetHostKeys().Add(HostName, known.KeyType, known);
        await client.ConnectAsync(Target.Host, Target.Port, Target.UserName, keyFilename: [Target.KeyPath], allowAgent: false, lookForKeys: false,
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(client.GetTransport()!.Algorithms!.HostKey, Is.EqualTo(expected));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Hashed_lines_we_write_are_read_by_ssh_and_ssh_keygen(CancellationToken cancellationToken)
    {
        string path = TempFile();
        try
        {
            await using (var client = new SshClient())
            {
                client.LoadHostKeys(path);
                client.GetHostKeys().HashHostNames = true;
                client.SetMissingHostKeyPolicy(new AutoAddPolicy());
                await client.ConnectAsync(Target.Host, Target.Port, Target.UserName, keyFilename: [Target.KeyPath], allowAgent: false,
                    lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            }
            string written = await File.ReadAllTextAsync(path, cancellationToken);
            Assert.That(written, Does.StartWith("|1|").And.Not.Contain(Target.Host));

            var found = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-F", HostName, "-f", path], timeout: TimeSpan.FromSeconds(30),
                cancellationToken: cancellationToken);
            Assert.That(found.ExitCode, Is.EqualTo(0), found.Describe());
            var ssh = await OpenSshClient.ExecAsync(Target, "echo trusted", ["-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={path}"],
                cancellationToken: cancellationToken);
            Assert.That(ssh.ExitCode, Is.EqualTo(0), ssh.Describe());
            Assert.That(ssh.Stdout, Is.EqualTo("trusted\n"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Lines_hashed_by_ssh_keygen_H_are_read_by_us(CancellationToken cancellationToken)
    {
        if (Target.HostPublicKey is null) Assert.Ignore("Needs the server's host key.");
        string path = TempFile();
        try
        {
            await File.WriteAllTextAsync(path, $"{HostName} {Target.HostPublicKey}\n", cancellationToken);
            var hashed = await ProcessRunner.RunAsync(PeerBinaries.SshKeygen, ["-H", "-f", path], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            Assert.That(hashed.ExitCode, Is.EqualTo(0), hashed.Describe());
            Assert.That(await File.ReadAllTextAsync(path, cancellationToken), Does.StartWith("|1|"));
            await using var client = new SshClient();
            client.LoadSystemHostKeys(path);
            await client.ConnectAsync(Target.Host, Target.Port, Target.UserName, keyFilename: [Target.KeyPath], allowAgent: false,
                lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            Assert.That(client.GetTransport()!.IsAuthenticated, Is.True);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".old");
        }
    }
}
