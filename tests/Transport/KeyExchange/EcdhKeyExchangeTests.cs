using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Wire;
using static Ssh.Tests.Transport.KeyExchange.KexVectors;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>The ECDH flow (RFC 5656 §4) of <see cref="EcdhKeyExchange"/>, run with curve25519-sha256 (RFC 8731)
/// between a client and a server method object, with fixed randomness and no socket.</summary>
public sealed class EcdhKeyExchangeTests
{
    [Test]
    public void Rfc7748Vectors_GiveTheExactMessagesK_AndH()
    {
        using var client = new Curve25519KeyExchange(AlicePrivate);
        using var server = new Curve25519KeyExchange(BobPrivate);

        byte[] init = client.Start(ClientContext()).Message!;
        Assert.That(server.Start(ServerContext()), Is.EqualTo(KexStep.None), "the server waits for the client");
        KexStep serverStep = server.Handle(init);
        KexStep clientStep = client.Handle(serverStep.Message!);

        // byte 30 (KEX_ECDH_INIT) ‖ string Q_C, Q_C being Alice's public key.
        Assert.That(Convert.ToHexString(init), Is.EqualTo("1E00000020" + Convert.ToHexString(AlicePublic)));
        byte[] hostKeyBlob = HostKey.PublicKey.GetBlob();
        KexResult onServer = serverStep.Result!;
        KexResult onClient = clientStep.Result!;
        Assert.That(clientStep.Message, Is.Null, "the client has nothing more to send");

        // RFC 8731 §3.1: K is the 32 bytes read as an unsigned big-endian integer, as an mpint (0x4a: no zero byte).
        byte[] k = [0, 0, 0, 32, .. SharedSecret];
        Assert.That(onClient.SharedSecret, Is.EqualTo(k));
        Assert.That(onServer.SharedSecret, Is.EqualTo(k));

        // RFC 8731 §3 / RFC 5656 §4: H = SHA-256(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ Q_C ‖ Q_S ‖ K), strings but K.
        byte[] expectedH = SHA256.HashData(new SshBuffer()
            .WriteString(ClientVersion).WriteString(ServerVersion).WriteString(ClientKexInit).WriteString(ServerKexInit)
            .WriteString(hostKeyBlob).WriteString(AlicePublic).WriteString(BobPublic).WriteMpint(SharedSecret).Span);
        Assert.That(onServer.ExchangeHash, Is.EqualTo(expectedH));
        Assert.That(onClient.ExchangeHash, Is.EqualTo(expectedH));

        // byte 31 (KEX_ECDH_REPLY) ‖ string K_S ‖ string Q_S ‖ string signature of H.
        byte[] signature = HostKey.Sign(expectedH, "ssh-ed25519");
        byte[] reply = new SshBuffer().WriteByte(31).WriteString(hostKeyBlob).WriteString(BobPublic).WriteString(signature).ToArray();
        Assert.That(serverStep.Message, Is.EqualTo(reply));
        Assert.That(onClient.HostKeyBlob, Is.EqualTo(hostKeyBlob));
        Assert.That(onClient.Signature, Is.EqualTo(signature));
        Assert.That(HostKey.PublicKey.Verify(onClient.ExchangeHash, onClient.Signature), Is.True);
    }

    // The server reads KEX_ECDH_INIT, the client KEX_ECDH_REPLY.
    [TestCase(false), TestCase(true)]
    public void EveryTruncatedMessage_IsAProtocolError(bool onClient)
    {
        byte[] message = PeerMessage(onClient);
        for (int length = 0; length < message.Length; length++)
        {
            using EcdhKeyExchange method = Started(onClient);
            var e = Assert.Throws<SshProtocolException>(() => method.Handle(message.AsSpan(0, length)), $"{length} bytes");
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
            Assert.That(e.Message, Does.Contain("RFC 5656 §4"));
        }
    }

    [TestCase(false), TestCase(true)]
    public void TrailingBytes_AreAProtocolError(bool onClient)
    {
        using EcdhKeyExchange method = Started(onClient);
        var e = Assert.Throws<SshProtocolException>(() => method.Handle([.. PeerMessage(onClient), 0]));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain("RFC 5656 §4"));
    }

    [TestCase(true, 30), TestCase(true, 49), TestCase(false, 31), TestCase(false, 32)]
    public void AnUnexpectedMessageNumber_IsAProtocolError(bool onClient, byte number)
    {
        using EcdhKeyExchange method = Started(onClient);
        byte[] message = [number, .. EcdhInit(AlicePublic).AsSpan(1)];
        var e = Assert.Throws<SshProtocolException>(() => method.Handle(message));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain("RFC 5656 §4"));
    }

    [Test]
    public void ASecondInit_AfterTheExchange_IsAProtocolError()
    {
        using EcdhKeyExchange server = Started(onClient: false);
        server.Handle(EcdhInit(AlicePublic));
        var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(AlicePublic)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain("RFC 5656 §4"));
    }

    [Test]
    public void HandleBeforeStart_IsAProgrammingError()
    {
        using var client = new Curve25519KeyExchange();
        Assert.Throws<InvalidOperationException>(() => client.Handle(EcdhReply(BobPublic)));
    }

    private static EcdhKeyExchange Started(bool onClient)
    {
        var method = new Curve25519KeyExchange(onClient ? AlicePrivate : BobPrivate);
        method.Start(onClient ? ClientContext() : ServerContext());
        return method;
    }

    private static byte[] PeerMessage(bool onClient) => onClient ? EcdhReply(BobPublic) : EcdhInit(AlicePublic);
}
