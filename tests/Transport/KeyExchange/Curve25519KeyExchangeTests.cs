using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Wire;
using static Ssh.Tests.Transport.KeyExchange.KexVectors;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>curve25519-sha256 (RFC 8731) through <see cref="Curve25519KeyExchange"/>, with random keys.</summary>
public sealed class Curve25519KeyExchangeTests
{
    [Test]
    public void ClientAndServer_AgreeOnKAndH_AndKIsAValidMpint()
    {
        for (int i = 0; i < 20; i++)
        {
            using var client = new Curve25519KeyExchange();
            using var server = new Curve25519KeyExchange();
            byte[] init = client.Start(ClientContext()).Message!;
            server.Start(ServerContext());
            KexStep reply = server.Handle(init);
            KexResult onClient = client.Handle(reply.Message!).Result!;
            KexResult onServer = reply.Result!;

            Assert.That(init, Has.Length.EqualTo(1 + 4 + 32));
            Assert.That(onClient.SharedSecret, Is.EqualTo(onServer.SharedSecret));
            Assert.That(onClient.ExchangeHash, Is.EqualTo(onServer.ExchangeHash));
            var r = new SshReader(onClient.SharedSecret);
            Assert.That(r.ReadMpintUnsigned().Length, Is.InRange(1, 32), "canonical and non-negative (RFC 4251 §5)");
            Assert.That(r.AtEnd, Is.True);
        }
    }

    [TestCase(0), TestCase(31), TestCase(33), TestCase(65)]
    public void WrongLengthPeerValue_FailsTheKeyExchange(int length)
    {
        using var client = new Curve25519KeyExchange();
        client.Start(ClientContext());
        var e = Assert.Throws<SshProtocolException>(() => client.Handle(EcdhReply(new byte[length])));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("RFC 8731 §3"));
        using var server = new Curve25519KeyExchange();
        server.Start(ServerContext());
        e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(new byte[length])));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("RFC 8731 §3"));
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
        client.Start(ClientContext());
        var e = Assert.Throws<SshProtocolException>(() => client.Handle(EcdhReply(Convert.FromHexString(hex))));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("RFC 8731 §3"));
        using var server = new Curve25519KeyExchange();
        server.Start(ServerContext());
        e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(Convert.FromHexString(hex))));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("RFC 8731 §3"));
    }

    [Test]
    public void AMethodObjectRunsOneExchange()
    {
        using var client = new Curve25519KeyExchange();
        client.Start(ClientContext());
        Assert.Throws<InvalidOperationException>(() => client.Start(ClientContext()));
    }
}
