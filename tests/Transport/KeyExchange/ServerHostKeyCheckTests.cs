using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;
using static Ssh.Tests.Transport.KeyExchange.KexVectors;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>The client's checks of K_S and the signature over H (RFC 4253 §8, RFC 8332 §3).</summary>
public sealed class ServerHostKeyCheckTests
{
    private static readonly byte[] H = SHA256.HashData("exchange hash"u8);

    [Test]
    public void AKeyThatSignedHWithTheNegotiatedAlgorithm_IsReturned()
    {
        SshPublicKey key = ServerHostKeyCheck.Verify("ssh-ed25519", Result(HostKey, "ssh-ed25519"));
        Assert.That(key, Is.EqualTo(HostKey.PublicKey));
    }

    [Test]
    public void AKeyOfAnotherType_FailsTheKeyExchange()
    {
        AssertFails(() => ServerHostKeyCheck.Verify("ecdsa-sha2-nistp256", Result(HostKey, "ssh-ed25519")), "RFC 4253 §7.1");
    }

    [Test]
    public void ASignatureWithAnAlgorithmOtherThanTheNegotiatedOne_FailsTheKeyExchange()
    {
        // RFC 8332 §3: an RSA key may sign with rsa-sha2-256 or -512, but only the negotiated one will do.
        using RsaPrivateKey rsa = RsaPrivateKey.Generate(2048);
        AssertFails(() => ServerHostKeyCheck.Verify("rsa-sha2-512", Result(rsa, "rsa-sha2-256")), "RFC 8332 §3");
    }

    [Test]
    public void ASignatureOverSomethingElse_FailsTheKeyExchange()
    {
        KexResult result = Result(HostKey, "ssh-ed25519") with { ExchangeHash = SHA256.HashData("another hash"u8) };
        AssertFails(() => ServerHostKeyCheck.Verify("ssh-ed25519", result), "RFC 4253 §8");
    }

    [TestCase(new byte[0]), TestCase(new byte[] { 0, 0, 0, 3, (byte)'f', (byte)'o', (byte)'o' })]
    public void AnUnreadableHostKey_FailsTheKeyExchange(byte[] blob)
    {
        KexResult result = Result(HostKey, "ssh-ed25519") with { HostKeyBlob = blob };
        AssertFails(() => ServerHostKeyCheck.Verify("ssh-ed25519", result), "host key cannot be read");
    }

    private static KexResult Result(SshPrivateKey key, string signatureAlgorithm) =>
        new([0, 0, 0, 1, 1], H, key.PublicKey.GetBlob(), key.Sign(H, signatureAlgorithm));

    private static void AssertFails(TestDelegate verify, string saying)
    {
        var e = Assert.Throws<SshProtocolException>(verify);
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain(saying));
    }
}
