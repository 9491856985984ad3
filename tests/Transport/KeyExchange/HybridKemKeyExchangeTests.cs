using System.Security.Cryptography;
using NUnit.Framework;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Wire;
using static Ssh.Tests.Transport.KeyExchange.KexVectors;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>The hybrid post-quantum methods (OpenSSH's kexmlkem768x25519.c / kexsntrup761x25519.c): message layout,
/// K = string HASH(KEM secret ‖ X25519 secret) recomputed here from the primitives, H over K as a string, and the
/// checks of the peer's values.</summary>
public sealed class HybridKemKeyExchangeTests
{
    public enum Method { MlKem768, Sntrup761 }

    private static HybridKemKeyExchange Create(Method method, byte[] x25519, SecureRandom random) => method switch
    {
        Method.MlKem768 => new MlKem768X25519KeyExchange(new X25519Ephemeral(x25519), random),
        _ => new Sntrup761X25519KeyExchange(new X25519Ephemeral(x25519), random),
    };

    private static HybridKemKeyExchange Create(Method method) => method switch
    {
        Method.MlKem768 => new MlKem768X25519KeyExchange(),
        _ => new Sntrup761X25519KeyExchange(),
    };

    /// <summary>A deterministic SecureRandom: the same seed gives the same bytes, so a key pair can be made twice.</summary>
    private static SecureRandom Fixed(byte seed)
    {
        SecureRandom random = SecureRandom.GetInstance("SHA256PRNG", autoSeed: false);
        random.SetSeed(Enumerable.Repeat(seed, 32).ToArray());
        return random;
    }

    private static (int PublicKey, int Ciphertext, HashAlgorithmName Hash) Sizes(Method method) =>
        method == Method.MlKem768 ? (1184, 1088, HashAlgorithmName.SHA256) : (1158, 1039, HashAlgorithmName.SHA512);

    /// <summary>Decapsulates with a private key made independently from the same fixed randomness.</summary>
    private static byte[] IndependentKemSecret(Method method, byte seed, byte[] ciphertext)
    {
        if (method == Method.MlKem768)
        {
            var generator = new MLKemKeyPairGenerator();
            generator.Init(new MLKemKeyGenerationParameters(Fixed(seed), MLKemParameters.ml_kem_768));
            var decapsulator = new MLKemDecapsulator(MLKemParameters.ml_kem_768);
            decapsulator.Init(generator.GenerateKeyPair().Private);
            var secret = new byte[32];
            decapsulator.Decapsulate(ciphertext, secret);
            return secret;
        }
        var ntru = new SNtruPrimeKeyPairGenerator();
        ntru.Init(new SNtruPrimeKeyGenerationParameters(Fixed(seed), SNtruPrimeParameters.sntrup761));
        return new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)ntru.GenerateKeyPair().Private).ExtractSecret(ciphertext);
    }

    [Test]
    public void FixedRandomness_GivesTheDocumentedLayout_K_AndH([Values] Method method)
    {
        (int pkLength, int ctLength, HashAlgorithmName hash) = Sizes(method);
        using HybridKemKeyExchange client = Create(method, AlicePrivate, Fixed(1));
        using HybridKemKeyExchange server = Create(method, BobPrivate, Fixed(2));

        byte[] init = client.Start(ClientContext()).Message!;
        server.Start(ServerContext());
        KexStep serverStep = server.Handle(init);
        KexResult onClient = client.Handle(serverStep.Message!).Result!;
        KexResult onServer = serverStep.Result!;

        // byte 30 ‖ string (KEM public key ‖ X25519 public value).
        var r = new SshReader(init.AsSpan(1));
        byte[] clientPublic = r.ReadStringBytes().ToArray();
        Assert.That(init[0], Is.EqualTo(30));
        Assert.That(r.AtEnd, Is.True);
        Assert.That(clientPublic, Has.Length.EqualTo(pkLength + 32));
        Assert.That(clientPublic[pkLength..], Is.EqualTo(AlicePublic));

        // byte 31 ‖ string K_S ‖ string (KEM ciphertext ‖ X25519 public value) ‖ string signature.
        r = new SshReader(serverStep.Message!.AsSpan(1));
        byte[] hostKey = r.ReadStringBytes().ToArray();
        byte[] serverPublic = r.ReadStringBytes().ToArray();
        byte[] signature = r.ReadStringBytes().ToArray();
        Assert.That(r.AtEnd, Is.True);
        Assert.That(hostKey, Is.EqualTo(HostKey.PublicKey.GetBlob()));
        Assert.That(serverPublic, Has.Length.EqualTo(ctLength + 32));
        Assert.That(serverPublic[ctLength..], Is.EqualTo(BobPublic));

        // K = string HASH(KEM secret ‖ X25519 secret), from the primitives alone.
        byte[] kemSecret = IndependentKemSecret(method, 1, serverPublic[..ctLength]);
        using var combiner = IncrementalHash.CreateHash(hash);
        combiner.AppendData(kemSecret);
        combiner.AppendData(SharedSecret);
        byte[] k = new SshBuffer().WriteString(combiner.GetHashAndReset()).ToArray();
        Assert.That(onClient.SharedSecret, Is.EqualTo(k));
        Assert.That(onServer.SharedSecret, Is.EqualTo(k));

        // H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ Q_C ‖ Q_S ‖ K), K appended as the string it is.
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(new SshBuffer().WriteString(ClientVersion).WriteString(ServerVersion).WriteString(ClientKexInit)
            .WriteString(ServerKexInit).WriteString(hostKey).WriteString(clientPublic).WriteString(serverPublic).WriteBytes(k).Span);
        byte[] expectedH = h.GetHashAndReset();
        Assert.That(onClient.ExchangeHash, Is.EqualTo(expectedH));
        Assert.That(onServer.ExchangeHash, Is.EqualTo(expectedH));
        Assert.That(HostKey.PublicKey.Verify(expectedH, signature), Is.True);
    }

    [Test]
    public void RandomKeys_Agree([Values] Method method)
    {
        for (int i = 0; i < (method == Method.MlKem768 ? 20 : 3); i++)
        {
            using HybridKemKeyExchange client = Create(method);
            using HybridKemKeyExchange server = Create(method);
            byte[] init = client.Start(ClientContext()).Message!;
            server.Start(ServerContext());
            KexStep reply = server.Handle(init);
            KexResult onClient = client.Handle(reply.Message!).Result!;
            Assert.That(onClient.SharedSecret, Is.EqualTo(reply.Result!.SharedSecret));
            Assert.That(onClient.ExchangeHash, Is.EqualTo(reply.Result!.ExchangeHash));
            Assert.That(onClient.SharedSecret, Has.Length.EqualTo(4 + (method == Method.MlKem768 ? 32 : 64)));
        }
    }

    [Test]
    public void WrongLengths_FailTheKeyExchange([Values] Method method, [Values(-1, 1, -32)] int delta)
    {
        (int pkLength, int ctLength, _) = Sizes(method);
        using HybridKemKeyExchange server = Create(method);
        server.Start(ServerContext());
        var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(new byte[pkLength + 32 + delta])));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("Q_C").And.Contain("draft-ietf-sshm"));

        using HybridKemKeyExchange client = Create(method);
        client.Start(ClientContext());
        e = Assert.Throws<SshProtocolException>(() => client.Handle(EcdhReply(new byte[ctLength + 32 + delta])));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("Q_S"));
    }

    [Test]
    public void SmallOrderX25519Value_FailsTheKeyExchange([Values] Method method)
    {
        using HybridKemKeyExchange client = Create(method, AlicePrivate, Fixed(3));
        using HybridKemKeyExchange server = Create(method, BobPrivate, Fixed(4));
        byte[] init = client.Start(ClientContext()).Message!;
        byte[] clientPublic = new SshReader(init.AsSpan(1)).ReadStringBytes().ToArray();
        clientPublic.AsSpan(clientPublic.Length - 32).Clear(); // the point 0
        server.Start(ServerContext());
        var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(clientPublic)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("small order"));
    }

    [Test]
    public void AnMlKemPublicKeyWithACoefficientOfQOrMore_IsRefused()
    {
        using var client = new MlKem768X25519KeyExchange();
        byte[] init = client.Start(ClientContext()).Message!;
        byte[] clientPublic = new SshReader(init.AsSpan(1)).ReadStringBytes().ToArray();
        // FIPS 203 §7.2: the first coefficient is the low 12 bits of bytes 0-1; 0xFFF = 4095 >= q = 3329.
        clientPublic[0] = 0xFF;
        clientPublic[1] |= 0x0F;
        using var server = new MlKem768X25519KeyExchange();
        server.Start(ServerContext());
        var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(clientPublic)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("FIPS 203"));
    }

    [Test]
    public void AForgedCiphertext_GivesADifferentK_NotACrash([Values] Method method)
    {
        using HybridKemKeyExchange client = Create(method);
        using HybridKemKeyExchange server = Create(method);
        byte[] init = client.Start(ClientContext()).Message!;
        server.Start(ServerContext());
        KexStep reply = server.Handle(init);
        var r = new SshReader(reply.Message!.AsSpan(1));
        r.ReadStringBytes();
        byte[] serverPublic = r.ReadStringBytes().ToArray();
        serverPublic[5] ^= 1;
        KexResult onClient = client.Handle(EcdhReply(serverPublic)).Result!;
        Assert.That(onClient.SharedSecret, Is.Not.EqualTo(reply.Result!.SharedSecret), "implicit rejection (FIPS 203 §6.3)");
    }
}
