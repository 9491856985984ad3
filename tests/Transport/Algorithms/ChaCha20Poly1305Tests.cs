using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Ssh.Transport.Algorithms.Ciphers;
using BcPoly1305 = Org.BouncyCastle.Crypto.Macs.Poly1305;

namespace Ssh.Tests.Transport.Algorithms;

public class ChaCha20Poly1305Tests
{
    [Test]
    public void ChaCha20BlockRfc8439Section232()
    {
        uint[] key = new uint[8];
        ChaCha20.LoadKey(Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), key);
        byte[] block = new byte[64];
        // Nonce 00:00:00:09:00:00:00:4a:00:00:00:00 as little-endian words.
        ChaCha20.Block(key, 1, 0x09000000, 0x4a000000, 0, block);
        Assert.That(Convert.ToHexStringLower(block), Is.EqualTo(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"));
    }

    [Test]
    public void ChaCha20BlockMatchesBouncyCastle()
    {
        var rng = new Random(8439);
        for (int i = 0; i < 50; i++)
        {
            byte[] keyBytes = new byte[32], nonce = new byte[12];
            rng.NextBytes(keyBytes);
            rng.NextBytes(nonce);
            var engine = new ChaCha7539Engine();
            engine.Init(true, new ParametersWithIV(new KeyParameter(keyBytes), nonce));
            byte[] expected = new byte[128];
            engine.ProcessBytes(new byte[128], 0, 128, expected, 0);

            uint[] key = new uint[8];
            ChaCha20.LoadKey(keyBytes, key);
            byte[] actual = new byte[128];
            for (uint counter = 0; counter < 2; counter++)
            {
                ChaCha20.Block(key, counter, BinaryPrimitives.ReadUInt32LittleEndian(nonce),
                    BinaryPrimitives.ReadUInt32LittleEndian(nonce.AsSpan(4)), BinaryPrimitives.ReadUInt32LittleEndian(nonce.AsSpan(8)),
                    actual.AsSpan((int)counter * 64));
            }
            Assert.That(actual, Is.EqualTo(expected));
        }
    }

    private const string IetfText =
        "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft " +
        "or RFC and any statement made within the context of an IETF activity is considered an \"IETF Contribution\". " +
        "Such statements include oral statements in IETF sessions, as well as written and electronic communications made " +
        "at any time or place, which are addressed to";

    private const string Jabberwocky =
        "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.";

    // RFC 8439 §2.5.2 and the Poly1305 vectors of §A.3 (#1–#11; #2 and #3 use the IETF text, #4 the Jabberwocky).
    [TestCase("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
        "43727970746f6772617068696320466f72756d2052657365617263682047726f7570", "a8061dc1305136c6c22b8baf0c0127a9")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000000000000")]
    [TestCase("0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e", "ietf", "36e5f6b5c5e06070f0efca96227a863e")]
    [TestCase("36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000", "ietf", "f3477e7cd95417af89a6b8794c310cf0")]
    [TestCase("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
        "jabberwocky",
        "4541669a7eaaee61e708dc7cbcc5eb62")]
    [TestCase("0200000000000000000000000000000000000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffff", "03000000000000000000000000000000")]
    [TestCase("02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
        "02000000000000000000000000000000", "03000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff11000000000000000000000000000000",
        "05000000000000000000000000000000")]
    [TestCase("0100000000000000000000000000000000000000000000000000000000000000",
        "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe01010101010101010101010101010101",
        "00000000000000000000000000000000")]
    [TestCase("0200000000000000000000000000000000000000000000000000000000000000",
        "fdffffffffffffffffffffffffffffff", "faffffffffffffffffffffffffffffff")]
    [TestCase("0100000000000000040000000000000000000000000000000000000000000000",
        "e33594d7505e43b900000000000000003394d7505e4379cd01000000000000000000000000000000000000000000000001000000000000000000000000000000",
        "14000000000000005500000000000000")]
    [TestCase("0100000000000000040000000000000000000000000000000000000000000000",
        "e33594d7505e43b900000000000000003394d7505e4379cd010000000000000000000000000000000000000000000000",
        "13000000000000000000000000000000")]
    public void Poly1305Rfc8439(string keyHex, string messageHex, string tagHex)
    {
        byte[] message = messageHex switch
        {
            "ietf" => Encoding.ASCII.GetBytes(IetfText),
            "jabberwocky" => Encoding.ASCII.GetBytes(Jabberwocky),
            _ => Convert.FromHexString(messageHex),
        };
        byte[] tag = new byte[16];
        Poly1305.ComputeTag(Convert.FromHexString(keyHex), message, tag);
        Assert.That(Convert.ToHexStringLower(tag), Is.EqualTo(tagHex));
    }

    [Test]
    public void Poly1305MatchesBouncyCastle()
    {
        var rng = new Random(1305);
        for (int length = 0; length <= 300; length++)
        {
            foreach (bool extreme in new[] { false, true })
            {
                byte[] key = new byte[32], message = new byte[length];
                rng.NextBytes(key);
                rng.NextBytes(message);
                if (extreme)
                {
                    // All ones: the largest r after clamping and the largest message limbs stress every carry.
                    Array.Fill(key, (byte)0xff);
                    Array.Fill(message, (byte)0xff);
                }
                var reference = new BcPoly1305();
                reference.Init(new KeyParameter(key));
                reference.BlockUpdate(message, 0, message.Length);
                byte[] expected = new byte[16], actual = new byte[16];
                reference.DoFinal(expected, 0);
                Poly1305.ComputeTag(key, message, actual);
                Assert.That(actual, Is.EqualTo(expected), $"{length} bytes, extreme={extreme}");
            }
        }
    }

    /// <summary>An independent reading of PROTOCOL.chacha20poly1305 with BouncyCastle's original-layout ChaCha20
    /// (64-bit nonce, 64-bit counter) and Poly1305.</summary>
    private static (byte[] Wire, byte[] Tag) OpenSshReference(byte[] key, uint seq, byte[] packet)
    {
        byte[] nonce = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, seq);
        byte[] wire = new byte[packet.Length];

        var lengthCipher = new ChaChaEngine(20);
        lengthCipher.Init(true, new ParametersWithIV(new KeyParameter(key, 32, 32), nonce));
        lengthCipher.ProcessBytes(packet, 0, 4, wire, 0);

        var payloadCipher = new ChaChaEngine(20);
        payloadCipher.Init(true, new ParametersWithIV(new KeyParameter(key, 0, 32), nonce));
        byte[] block0 = new byte[64];
        payloadCipher.ProcessBytes(new byte[64], 0, 64, block0, 0);
        payloadCipher.ProcessBytes(packet, 4, packet.Length - 4, wire, 4);

        var poly = new BcPoly1305();
        poly.Init(new KeyParameter(block0, 0, 32));
        poly.BlockUpdate(wire, 0, wire.Length);
        byte[] tag = new byte[16];
        poly.DoFinal(tag, 0);
        return (wire, tag);
    }

    /// <summary>Both implementations: the managed one, and the platform's libcrypto where it is there (it is on the
    /// machines CI runs on, which the first case checks rather than assumes).</summary>
    private static IEnumerable<TestCaseData> Implementations()
    {
        (uint Seq, int Length)[] cases = [(0u, 12), (1u, 60), (7u, 64), (0x01020304u, 1000), (uint.MaxValue, 32772)];
        foreach (string implementation in new[] { "managed", "libcrypto" })
            foreach (var (seq, length) in cases)
                yield return new TestCaseData(implementation, seq, length).SetArgDisplayNames(implementation, seq.ToString(), length.ToString());
    }

    private static IPacketCipher Create(string implementation, byte[] key) => implementation == "managed"
        ? new ChaCha20Poly1305PacketCipher(key)
        : new OpenSslChaCha20Poly1305PacketCipher(key);

    [Test]
    public void The_platforms_libcrypto_path_is_there() => Assert.That(OpenSslChaCha20Poly1305PacketCipher.IsSupported, Is.True,
        "libcrypto's ChaCha20 and Poly1305 could not be bound: chacha20-poly1305 falls back to the slower managed path");

    [TestCaseSource(nameof(Implementations))]
    public void PacketMatchesOpenSshReference(string implementation, uint seq, int bodyLength)
    {
        var rng = new Random((int)seq ^ bodyLength);
        byte[] key = new byte[64];
        rng.NextBytes(key);
        byte[] packet = new byte[4 + bodyLength];
        rng.NextBytes(packet);
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)bodyLength);
        (byte[] expectedWire, byte[] expectedTag) = OpenSshReference(key, seq, packet);

        using IPacketCipher sealer = Create(implementation, key);
        byte[] wire = (byte[])packet.Clone(), tag = new byte[16];
        sealer.Seal(seq, wire, tag);
        Assert.That(wire, Is.EqualTo(expectedWire));
        Assert.That(tag, Is.EqualTo(expectedTag));

        using IPacketCipher opener = Create(implementation, key);
        Assert.That(opener.DecryptLength(seq, wire.AsSpan(0, 4)), Is.EqualTo((uint)bodyLength));
        opener.Open(seq, wire, tag);
        Assert.That(wire, Is.EqualTo(packet));
    }

    [TestCase("managed"), TestCase("libcrypto")]
    public void A_forged_packet_is_refused_and_wiped(string implementation)
    {
        byte[] key = new byte[64];
        new Random(5).NextBytes(key);
        byte[] packet = new byte[4 + 200];
        BinaryPrimitives.WriteUInt32BigEndian(packet, 200);
        using IPacketCipher cipher = Create(implementation, key);
        byte[] tag = new byte[16];
        cipher.Seal(9, packet, tag);
        packet[100] ^= 1;
        var error = Assert.Throws<Ssh.Transport.SshProtocolException>(() => cipher.Open(9, packet, tag));
        Assert.That(error!.Reason, Is.EqualTo(Ssh.Transport.DisconnectReason.MacError));
        Assert.That(packet, Is.All.EqualTo(0), "no plaintext of a forged packet is left behind");
    }

    [Test]
    public void The_two_implementations_agree_on_a_run_of_packets_in_both_directions()
    {
        var rng = new Random(1305);
        byte[] key = new byte[64];
        rng.NextBytes(key);
        using IPacketCipher managed = Create("managed", key), native = Create("libcrypto", key);
        for (uint seq = 0; seq < 200; seq++)
        {
            int length = rng.Next(1, 70_000);
            byte[] packet = new byte[4 + length];
            rng.NextBytes(packet);
            BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)length);
            byte[] a = (byte[])packet.Clone(), b = (byte[])packet.Clone(), tagA = new byte[16], tagB = new byte[16];
            managed.Seal(seq, a, tagA);
            native.Seal(seq, b, tagB);
            Assert.That((b, tagB), Is.EqualTo((a, tagA)), $"packet {seq}");
            (seq % 2 == 0 ? managed : native).Open(seq, b, tagB);
            Assert.That(b, Is.EqualTo(packet));
        }
    }
}
