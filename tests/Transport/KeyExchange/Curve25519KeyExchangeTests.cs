using System.Reflection;
using NUnit.Framework;
using Org.BouncyCastle.Crypto.Parameters;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>curve25519-sha256 (RFC 8731) through <see cref="Curve25519KeyExchange"/>.</summary>
public sealed class Curve25519KeyExchangeTests
{
    // RFC 7748 §6.1.
    private const string AlicePrivate = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private const string BobPublic = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private const string Shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    [Test]
    public void Rfc7748Vector_GivesKAsAnMpint()
    {
        using var kex = new Curve25519KeyExchange();
        // The class draws its own ephemeral key; put Alice's in its place to reproduce the RFC's answer.
        FieldInfo? field = typeof(Curve25519KeyExchange).GetField("_private", BindingFlags.Instance | BindingFlags.NonPublic);
        Assert.That(field, Is.Not.Null, "Curve25519KeyExchange no longer keeps its key in _private; update this test");
        field!.SetValue(kex, new X25519PrivateKeyParameters(Convert.FromHexString(AlicePrivate)));

        byte[] k = kex.CompleteClient(Convert.FromHexString(BobPublic));

        // RFC 8731 §3.1: the 32 bytes as a big-endian unsigned mpint; 0x4a has no top bit, so no zero byte.
        Assert.That(Convert.ToHexString(k), Is.EqualTo(("00000020" + Shared).ToUpperInvariant()));
    }

    [Test]
    public void ClientAndServer_AgreeOnK_AndKIsAValidMpint()
    {
        for (int i = 0; i < 20; i++)
        {
            using var client = new Curve25519KeyExchange();
            using var server = new Curve25519KeyExchange();
            byte[] clientPublic = client.CreateClientPublic();
            (byte[] serverPublic, byte[] serverK) = server.RespondServer(clientPublic);
            byte[] clientK = client.CompleteClient(serverPublic);

            Assert.That(clientPublic, Has.Length.EqualTo(32));
            Assert.That(serverPublic, Has.Length.EqualTo(32));
            Assert.That(clientK, Is.EqualTo(serverK));
            var r = new SshReader(clientK);
            Assert.That(r.ReadMpintUnsigned().Length, Is.InRange(1, 32), "canonical and non-negative (RFC 4251 §5)");
            Assert.That(r.AtEnd, Is.True);
        }
    }

    [TestCase(0), TestCase(31), TestCase(33), TestCase(65)]
    public void WrongLengthPeerValue_FailsTheKeyExchange(int length)
    {
        using var client = new Curve25519KeyExchange();
        client.CreateClientPublic();
        var e = Assert.Throws<SshProtocolException>(() => client.CompleteClient(new byte[length]));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        using var server = new Curve25519KeyExchange();
        e = Assert.Throws<SshProtocolException>(() => server.RespondServer(new byte[length]));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
    }

    // Points of small order give an all-zero secret (RFC 7748 §6.1, RFC 8731 §3).
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000")]
    [TestCase("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")]
    [TestCase("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")]
    [TestCase("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]
    public void LowOrderPeerValue_FailsTheKeyExchange(string hex)
    {
        using var client = new Curve25519KeyExchange();
        client.CreateClientPublic();
        var e = Assert.Throws<SshProtocolException>(() => client.CompleteClient(Convert.FromHexString(hex)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        using var server = new Curve25519KeyExchange();
        e = Assert.Throws<SshProtocolException>(() => server.RespondServer(Convert.FromHexString(hex)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
    }

    [Test]
    public void CompleteClient_BeforeCreateClientPublic_IsAProgrammingError()
    {
        using var client = new Curve25519KeyExchange();
        Assert.Throws<InvalidOperationException>(() => client.CompleteClient(Convert.FromHexString(BobPublic)));
    }
}
