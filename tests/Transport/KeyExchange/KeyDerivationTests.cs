using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>RFC 4253 §7.2 key derivation, against the formula computed independently here.</summary>
public sealed class KeyDerivationTests
{
    private static readonly byte[] K = new SshBuffer().WriteMpint(Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")).ToArray();
    private static readonly byte[] H = SHA256.HashData("exchange hash"u8);
    private static readonly byte[] SessionId = SHA256.HashData("session id"u8);

    private static byte[] Sha256(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());

    [TestCase('A', 16)]
    [TestCase('B', 12)]
    [TestCase('C', 32)]
    [TestCase('F', 1)]
    public void UpToOneHash_IsHashOfKHLetterSessionId(char letter, int length)
    {
        byte[] expected = Sha256(K, H, [(byte)letter], SessionId)[..length];
        Assert.That(KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, letter, SessionId, length), Is.EqualTo(expected));
    }

    [TestCase(33)]
    [TestCase(64)]
    [TestCase(80)]
    [TestCase(96)]
    public void Longer_IsExtendedWithHashOfKHAndEverythingSoFar(int length)
    {
        byte[] k1 = Sha256(K, H, "D"u8.ToArray(), SessionId);
        byte[] k2 = Sha256(K, H, k1);
        byte[] k3 = Sha256(K, H, k1, k2);
        byte[] expected = [.. k1, .. k2, .. k3];
        Assert.That(KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'D', SessionId, length), Is.EqualTo(expected[..length]));
    }

    [Test]
    public void Sha512_GivesSixtyFourBytesFromOneHash()
    {
        byte[] expected = SHA512.HashData([.. K, .. H, (byte)'E', .. SessionId]);
        Assert.That(KeyDerivation.Derive(HashAlgorithmName.SHA512, K, H, 'E', SessionId, 64), Is.EqualTo(expected));
    }

    [Test]
    public void SessionId_IsUsedOnlyInTheFirstBlock()
    {
        // After a rekey H changes but the session id stays; only K1 sees it.
        byte[] a = KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'C', SessionId, 64);
        byte[] b = KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'C', H, 64);
        Assert.That(a[..32], Is.Not.EqualTo(b[..32]));
    }

    [Test]
    public void ZeroLength_IsEmpty() =>
        Assert.That(KeyDerivation.Derive(HashAlgorithmName.SHA256, K, H, 'A', SessionId, 0), Is.Empty);
}
