using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>SshAgentClient against OpenSSH's ssh-agent: every request of PROTOCOL.agent that ssh-add makes, checked
/// with ssh-add itself.</summary>
[TestFixture]
public sealed class AgentProtocolTests
{
    private const int TimeoutMs = 60_000;

    private static async Task<SshAgentClient> ConnectAsync(TestAgent agent, CancellationToken cancellationToken) =>
        await SshAgentClient.ConnectAsync(agent.SocketPath, cancellationToken) ?? throw new AssertionException("no agent at " + agent.SocketPath);

    [TestCase("ed25519", 0, "ED25519")]
    [TestCase("ecdsa", 384, "ECDSA")]
    [TestCase("rsa", 2048, "RSA")]
    [CancelAfter(TimeoutMs)]
    public async Task Added_keys_are_listed_by_ssh_add_and_sign(string type, int bits, string shown, CancellationToken cancellationToken)
    {
        await using var agent = await TestAgent.StartAsync(cancellationToken: cancellationToken);
        await using SshAgentClient client = await ConnectAsync(agent, cancellationToken);
        using SshPrivateKey key = SshPrivateKey.Generate(type, bits);
        await client.AddIdentityAsync(key, "added-by-sshcs", cancellationToken: cancellationToken);

        var listed = await agent.ListAsync();
        Assert.That(listed.Stdout, Does.Contain($"{key.PublicKey.GetFingerprint()} added-by-sshcs ({shown})"), listed.Describe());
        IReadOnlyList<SshPrivateKey> keys = await client.GetKeysAsync(cancellationToken);
        SshPrivateKey held = keys.Single();
        Assert.That(held.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(held.Comment, Is.EqualTo("added-by-sshcs"));
        foreach (string algorithm in key.PublicKey.SignatureAlgorithms)
        {
            byte[] signature = await held.SignAsync("data to sign"u8.ToArray(), algorithm, cancellationToken);
            Assert.That(SshPublicKey.SignatureAlgorithmOf(signature), Is.EqualTo(algorithm));
            Assert.That(key.PublicKey.Verify("data to sign"u8, signature), Is.True);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_certificate_goes_in_with_its_key(CancellationToken cancellationToken)
    {
        await using var agent = await TestAgent.StartAsync(cancellationToken: cancellationToken);
        await using SshAgentClient client = await ConnectAsync(agent, cancellationToken);
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        SshPrivateKey certified = key.WithCertificate(new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "agent-cert") { Principals = { "u" } }.Sign(ca));
        await client.AddIdentityAsync(certified, "with-cert", cancellationToken: cancellationToken);

        var listed = await agent.ListAsync();
        Assert.That(listed.Stdout, Does.Contain("(ED25519-CERT)"), listed.Describe());
        SshPrivateKey held = (await client.GetKeysAsync(cancellationToken)).Single(k => k.PublicKey is SshCertificate);
        byte[] signature = await held.SignAsync("x"u8.ToArray(), held.PublicKey.SignatureAlgorithms[0], cancellationToken);
        Assert.That(held.PublicKey.Verify("x"u8, signature), Is.True);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Remove_remove_all_lock_and_unlock(CancellationToken cancellationToken)
    {
        await using var agent = await TestAgent.StartAsync(cancellationToken: cancellationToken);
        await using SshAgentClient client = await ConnectAsync(agent, cancellationToken);
        using var first = Ed25519PrivateKey.Generate();
        using var second = EcdsaPrivateKey.Generate(256);
        await client.AddIdentityAsync(first, "first", cancellationToken: cancellationToken);
        await client.AddIdentityAsync(second, "second", cancellationToken: cancellationToken);

        await client.RemoveIdentityAsync(first.PublicKey, cancellationToken);
        Assert.That((await agent.ListAsync()).Stdout, Does.Not.Contain("first").And.Contain("second"));
        Assert.ThrowsAsync<SshException>(() => client.RemoveIdentityAsync(first.PublicKey, cancellationToken), "it is not there any more");

        await client.LockAsync("lock passphrase", cancellationToken);
        Assert.That((await agent.ListAsync()).Stdout, Does.Contain("The agent has no identities"), "a locked agent lists nothing");
        Assert.That(await client.GetKeysAsync(cancellationToken), Is.Empty);
        Assert.ThrowsAsync<SshException>(() => client.UnlockAsync("wrong", cancellationToken));
        await client.UnlockAsync("lock passphrase", cancellationToken);
        Assert.That((await agent.ListAsync()).Stdout, Does.Contain("second"));

        await client.RemoveAllIdentitiesAsync(cancellationToken);
        Assert.That((await agent.ListAsync()).Stdout, Does.Contain("The agent has no identities"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_key_added_with_a_lifetime_is_forgotten_after_it(CancellationToken cancellationToken)
    {
        await using var agent = await TestAgent.StartAsync(cancellationToken: cancellationToken);
        await using SshAgentClient client = await ConnectAsync(agent, cancellationToken);
        using var key = Ed25519PrivateKey.Generate();
        await client.AddIdentityAsync(key, "short-lived", lifetime: TimeSpan.FromSeconds(1), cancellationToken: cancellationToken);
        Assert.That(await client.GetKeysAsync(cancellationToken), Has.Count.EqualTo(1));
        for (int i = 0; i < 50 && (await client.GetKeysAsync(cancellationToken)).Count > 0; i++) await Task.Delay(100, cancellationToken);
        Assert.That(await client.GetKeysAsync(cancellationToken), Is.Empty, "ssh-agent dropped it after its lifetime");
    }

    [TestCase(true)]
    [TestCase(false)]
    [CancelAfter(TimeoutMs)]
    public async Task A_key_added_with_confirm_signs_only_when_the_user_agrees(bool allow, CancellationToken cancellationToken)
    {
        await using var agent = await TestAgent.StartAsync(askpassAnswer: allow, cancellationToken: cancellationToken);
        await using SshAgentClient client = await ConnectAsync(agent, cancellationToken);
        using var key = Ed25519PrivateKey.Generate();
        await client.AddIdentityAsync(key, "confirm-me", confirm: true, cancellationToken: cancellationToken);
        SshPrivateKey held = (await client.GetKeysAsync(cancellationToken)).Single();
        if (allow)
        {
            byte[] signature = await held.SignAsync("y"u8.ToArray(), cancellationToken: cancellationToken);
            Assert.That(key.PublicKey.Verify("y"u8, signature), Is.True);
        }
        else
            Assert.ThrowsAsync<AuthenticationException>(async () => await held.SignAsync("y"u8.ToArray(), cancellationToken: cancellationToken));
    }
}
