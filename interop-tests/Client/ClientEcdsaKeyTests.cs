using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>ECDSA user keys (RFC 5656) made by ssh-keygen, accepted by Debian's sshd.</summary>
[TestFixture]
public sealed class ClientEcdsaKeyTests
{
    private const int TimeoutMs = 60_000;

    [TestCase(256)]
    [TestCase(384)]
    [TestCase(521)]
    [CancelAfter(TimeoutMs)]
    public async Task An_ecdsa_user_key_logs_in(int bits, CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        if (target.Server is null) Assert.Ignore("Needs the local sshd's authorized_keys; an external server (SSH_INTEROP_HOST) cannot be changed.");
        string key = Path.Combine(target.Server.Directory, $"id_ecdsa{bits}");
        var made = await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-N", "", "-t", "ecdsa", "-b", bits.ToString(), "-f", key],
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(made.ExitCode, Is.EqualTo(0), made.Describe());
        await File.AppendAllTextAsync(Path.Combine(target.Server.Directory, "authorized_keys"), await File.ReadAllTextAsync(key + ".pub", cancellationToken), cancellationToken);

        await using var client = new SshClient();
        ClientTestSupport.TrustHostKey(client, target);
        await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [key], lookForKeys: false, cancellationToken: cancellationToken);
        Assert.That(client.GetTransport()!.AuthenticationMethod, Is.EqualTo("publickey"));
        var result = await ClientTestSupport.ExecAsync(client, "echo ecdsa-ok", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("ecdsa-ok\n"));
        Assert.That(SshPrivateKey.FromFile(key).PublicKey.KeyType, Is.EqualTo($"ecdsa-sha2-nistp{bits}"));
    }
}
