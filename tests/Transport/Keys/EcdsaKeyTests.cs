using NUnit.Framework;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

/// <summary>ecdsa-sha2-nistp256/384/521 (RFC 5656): OpenSSH key files, blobs, signatures.</summary>
[TestFixture]
public sealed class EcdsaKeyTests
{
    [TestCase("ecdsa256", "ecdsa-sha2-nistp256", "SHA256:omH0ilgleLFyJCw79wDttcvAT/xJxqkv6Bdz3gqiNW0")]
    [TestCase("ecdsa384", "ecdsa-sha2-nistp384", "SHA256:ohG2nIiRNEcUE9vEdYUg7RqdoOQPjEOv/lJOfSzxDRk")]
    [TestCase("ecdsa521", "ecdsa-sha2-nistp521", "SHA256:RBgzPqHxZ4Gc0G73ACpLJQKjDtzvnIY53DXUUppq9tY")]
    public void An_ssh_keygen_key_loads_with_its_fingerprint_and_signs(string file, string type, string fingerprint)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(file));
        Assert.That(key.PublicKey.KeyType, Is.EqualTo(type));
        Assert.That(key.PublicKey.GetFingerprint(), Is.EqualTo(fingerprint));
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf(file + ".pub")).Key));

        byte[] data = "exchange hash"u8.ToArray();
        byte[] signature = key.Sign(data);
        Assert.That(key.PublicKey.Verify(data, signature), Is.True);
        Assert.That(key.PublicKey.Verify("something else"u8, signature), Is.False);
    }

    [TestCase(256)]
    [TestCase(384)]
    [TestCase(521)]
    public void Generated_keys_round_trip_through_the_OpenSSH_format_and_blobs(int bits)
    {
        using EcdsaPrivateKey key = EcdsaPrivateKey.Generate(bits);
        using SshPrivateKey again = OpenSshPrivateKeyFile.Parse(OpenSshPrivateKeyFile.Format(key));
        Assert.That(again.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(SshPublicKey.FromBlob(key.PublicKey.GetBlob()), Is.EqualTo(key.PublicKey));
        byte[] signature = again.Sign("data"u8);
        Assert.That(key.PublicKey.Verify("data"u8, signature), Is.True);
    }

    [Test]
    public void A_point_off_the_curve_is_rejected()
    {
        using EcdsaPrivateKey key = EcdsaPrivateKey.Generate(256);
        byte[] blob = key.PublicKey.GetBlob();
        blob[^1] ^= 1; // move Y: the point leaves the curve
        Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob));
    }

    [Test]
    public void A_signature_from_another_curve_or_malformed_is_refused_without_throwing()
    {
        using EcdsaPrivateKey p256 = EcdsaPrivateKey.Generate(256);
        using EcdsaPrivateKey p384 = EcdsaPrivateKey.Generate(384);
        byte[] signature = p384.Sign("data"u8);
        Assert.That(p256.PublicKey.Verify("data"u8, signature), Is.False);
        for (int length = 0; length < signature.Length; length++)
            Assert.That(p384.PublicKey.Verify("data"u8, signature.AsSpan(0, length)), Is.False);
    }
}
