using System.Security.Cryptography;
using NUnit.Framework;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Platform;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>X25519 on both paths: libcrypto's (used where it loads) and BouncyCastle's (the fallback), against
/// RFC 7748 §6.1's known answers and against each other.</summary>
public class X25519Tests
{
    private static readonly byte[] AlicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static readonly byte[] AlicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static readonly byte[] BobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static readonly byte[] BobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static readonly byte[] Shared = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    private static OpenSslX25519 Native => OpenSslX25519.Instance ?? throw new IgnoreException("libcrypto's X25519 is not available here.");

    [Test]
    public void LibCrypto_is_used_on_Linux()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Linux only.");
        Assert.That(OpenSslX25519.Instance, Is.Not.Null, "Debian's libcrypto.so.3 has X25519: the fast path must load");
    }

    [Test]
    public void LibCrypto_matches_RFC_7748_known_answers()
    {
        Span<byte> value = stackalloc byte[32];
        Native.PublicValue(AlicePrivate, value);
        Assert.That(value.ToArray(), Is.EqualTo(AlicePublic));
        Native.PublicValue(BobPrivate, value);
        Assert.That(value.ToArray(), Is.EqualTo(BobPublic));
        Assert.That(Native.Agree(AlicePrivate, BobPublic, value), Is.True);
        Assert.That(value.ToArray(), Is.EqualTo(Shared));
        Assert.That(Native.Agree(BobPrivate, AlicePublic, value), Is.True);
        Assert.That(value.ToArray(), Is.EqualTo(Shared));
    }

    [Test]
    public void The_ephemeral_key_agrees_as_RFC_7748_says()
    {
        using var alice = new X25519Ephemeral(AlicePrivate);
        Assert.That(alice.PublicValue(), Is.EqualTo(AlicePublic));
        Assert.That(alice.Agree(BobPublic, "test"), Is.EqualTo(Shared));
    }

    [Test]
    public void LibCrypto_and_BouncyCastle_agree_on_random_keys()
    {
        Span<byte> nativePublic = stackalloc byte[32];
        Span<byte> nativeSecret = stackalloc byte[32];
        for (int i = 0; i < 200; i++)
        {
            byte[] a = RandomNumberGenerator.GetBytes(32), b = RandomNumberGenerator.GetBytes(32);
            Native.PublicValue(a, nativePublic);
            byte[] managed = new byte[32];
            X25519.GeneratePublicKey(a, 0, managed, 0);
            Assert.That(nativePublic.ToArray(), Is.EqualTo(managed));
            byte[] bPublic = new byte[32];
            X25519.GeneratePublicKey(b, 0, bPublic, 0);
            Assert.That(Native.Agree(a, bPublic, nativeSecret), Is.True);
            byte[] expected = new byte[32];
            Assert.That(X25519.CalculateAgreement(b, 0, managed, 0, expected, 0), Is.True);
            Assert.That(nativeSecret.ToArray(), Is.EqualTo(expected));
        }
    }

    [TestCase("0000000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")] // order 8 (RFC 7748 §7's list)
    public void A_point_of_small_order_fails_the_exchange(string peerHex)
    {
        byte[] peer = Convert.FromHexString(peerHex);
        Span<byte> secret = stackalloc byte[32];
        Assert.That(Native.Agree(AlicePrivate, peer, secret), Is.False, "libcrypto refuses the all-zero secret");
        using var ephemeral = new X25519Ephemeral(AlicePrivate);
        var e = Assert.Throws<SshProtocolException>(() => ephemeral.Agree(peer, "RFC 8731 §3"));
        Assert.That(e!.Message, Does.Contain("small order"));
    }
}
