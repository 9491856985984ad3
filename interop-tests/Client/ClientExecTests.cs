using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>Our client running commands on Debian's sshd (or the external server of SSH_INTEROP_HOST).</summary>
[TestFixture]
public sealed class ClientExecTests : SharedServerFixture
{
    private const int TimeoutMs = 120_000;

    [TestCase("exit 0", 0)]
    [TestCase("false", 1)]
    [TestCase("exit 44", 44)]
    [CancelAfter(TimeoutMs)]
    public async Task Exit_status_is_reported(string command, int expected, CancellationToken cancellationToken)
    {
        await using var client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, command, cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(expected));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Stderr_stays_apart_from_stdout(CancellationToken cancellationToken)
    {
        await using var client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "for i in 1 2 3; do echo out$i; echo err$i >&2; done", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("out1\nout2\nout3\n"));
        Assert.That(result.Stderr, Is.EqualTo("err1\nerr2\nerr3\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Password_authentication_works(CancellationToken cancellationToken)
    {
        await using var client = await ClientTestSupport.ConnectAsync(Target, usePassword: true, cancellationToken: cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "id -un", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText.Trim(), Is.EqualTo(Target.UserName));
    }

    [Test, CancelAfter(TimeoutMs)]
    public void Wrong_password_raises_AuthenticationException_naming_allowed_methods(CancellationToken cancellationToken)
    {
        Target.RequirePassword();
        using var client = new SshClient();
        ClientTestSupport.TrustHostKey(client, Target);
        var error = Assert.ThrowsAsync<AuthenticationException>(() => client.ConnectAsync(Target.Host, Target.Port, Target.UserName,
            password: "definitely-not-the-password", lookForKeys: false, cancellationToken: cancellationToken));
        Assert.That(error!.AllowedMethods, Does.Contain("publickey"));
        Assert.That(error.Message, Does.Contain("password").IgnoreCase);
    }

    [Test, CancelAfter(TimeoutMs)]
    public void Changed_host_key_raises_BadHostKeyException(CancellationToken cancellationToken)
    {
        using var client = new SshClient();
        var impostor = Ed25519PrivateKey.Generate().PublicKey;
        client.GetHostKeys().Add(ClientTestSupport.HostKeyName(Target), impostor.KeyType, impostor);
        var error = Assert.ThrowsAsync<BadHostKeyException>(() => client.ConnectAsync(Target.Host, Target.Port, Target.UserName,
            keyFilename: [Target.KeyPath], lookForKeys: false, cancellationToken: cancellationToken));
        Assert.That(error!.ExpectedFingerprint, Is.EqualTo(impostor.GetFingerprint()));
        if (Target.HostKeyFingerprint is { } actual) Assert.That(error.ReceivedFingerprint, Is.EqualTo(actual));
    }

    [Test, CancelAfter(TimeoutMs)]
    public void Unknown_host_is_rejected_by_default(CancellationToken cancellationToken)
    {
        using var client = new SshClient();
        var error = Assert.ThrowsAsync<SshException>(() => client.ConnectAsync(Target.Host, Target.Port, Target.UserName,
            keyFilename: [Target.KeyPath], lookForKeys: false, cancellationToken: cancellationToken));
        Assert.That(error!.Message, Does.Contain("known_hosts"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Hundred_megabytes_round_trip_intact(CancellationToken cancellationToken)
    {
        await using var client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        await TransferAndVerifyAsync(client, 100_000_000, cancellationToken);
    }

    /// <summary>Uploads random bytes to a remote file, checks the remote SHA-256, downloads it and checks again.</summary>
    internal static async Task TransferAndVerifyAsync(SshClient client, int size, CancellationToken cancellationToken)
    {
        byte[] data = new byte[size];
        new Random(size).NextBytes(data);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));
        string path = $"/tmp/sshcs-interop-{Guid.NewGuid():N}";
        try
        {
            var upload = await ClientTestSupport.ExecAsync(client, $"cat > {path} && sha256sum {path}", data, cancellationToken);
            Assert.That(upload.ExitCode, Is.EqualTo(0), upload.Stderr);
            Assert.That(upload.StdoutText, Does.StartWith(expected), "upload corrupted");

            var download = await ClientTestSupport.ExecAsync(client, $"cat {path}", cancellationToken: cancellationToken);
            Assert.That(download.ExitCode, Is.EqualTo(0), download.Stderr);
            Assert.That(download.Stdout.Length, Is.EqualTo(size));
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(download.Stdout)), Is.EqualTo(expected), "download corrupted");
        }
        finally
        {
            await ClientTestSupport.ExecAsync(client, $"rm -f {path}", cancellationToken: CancellationToken.None);
        }
    }
}
