using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>ECDSA (RFC 5656) and RSA (RFC 8332) user keys made by ssh-keygen, accepted by Debian's sshd.</summary>
[TestFixture]
public sealed class ClientUserKeyTypeTests
{
    private const int TimeoutMs = 60_000;

    [TestCase("ecdsa", 256, "ecdsa-sha2-nistp256")]
    [TestCase("ecdsa", 384, "ecdsa-sha2-nistp384")]
    [TestCase("ecdsa", 521, "ecdsa-sha2-nistp521")]
    [TestCase("rsa", 3072, "ssh-rsa")]
    [CancelAfter(TimeoutMs)]
    public async Task A_user_key_logs_in(string type, int bits, string keyType, CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        if (target.Server is null) Assert.Ignore("Needs the local sshd's authorized_keys; an external server (SSH_INTEROP_HOST) cannot be changed.");
        string key = Path.Combine(target.Server.Directory, $"id_{type}{bits}");
        var made = await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-N", "", "-t", type, "-b", bits.ToString(), "-f", key],
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(made.ExitCode, Is.EqualTo(0), made.Describe());
        await File.AppendAllTextAsync(Path.Combine(target.Server.Directory, "authorized_keys"), await File.ReadAllTextAsync(key + ".pub", cancellationToken), cancellationToken);

        await using var client = new SshClient();
        ClientTestSupport.TrustHostKey(client, target);
        await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [key], lookForKeys: false, cancellationToken: cancellationToken);
        Assert.That(client.GetTransport()!.AuthenticationMethod, Is.EqualTo("publickey"));
        var result = await ClientTestSupport.ExecAsync(client, "echo key-ok", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("key-ok\n"));
        Assert.That(SshPrivateKey.FromFile(key).PublicKey.KeyType, Is.EqualTo(keyType));
    }
}
