using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Tests.Transport.Algorithms;

/// <summary>Seal/open behaviour every registered cipher (and, for CTR, every MAC) must share.</summary>
public class PacketCipherTests
{
    public static IEnumerable<TestCaseData> Suites()
    {
        foreach (CipherInfo cipher in CipherRegistry.All)
        {
            if (cipher.IsAead)
            {
                yield return new TestCaseData(cipher.Name, null).SetArgDisplayNames(cipher.Name);
            }
            else
            {
                foreach (MacInfo mac in MacRegistry.All)
                    yield return new TestCaseData(cipher.Name, mac.Name).SetArgDisplayNames(cipher.Name + "+" + mac.Name);
            }
        }
    }

    /// <summary>A sealer and an opener for one direction, keyed identically.</summary>
    private static (IPacketCipher Sealer, IPacketCipher Opener) CreatePair(string cipherName, string? macName, int seed = 1)
    {
        var rng = new Random(seed);
        CipherInfo cipher = CipherRegistry.Find(cipherName)!;
        MacInfo? mac = macName is null ? null : MacRegistry.Find(macName)!;
        byte[] key = new byte[cipher.KeySize], iv = new byte[cipher.IvSize], macKey = new byte[mac?.KeySize ?? 0];
        rng.NextBytes(key);
        rng.NextBytes(iv);
        rng.NextBytes(macKey);
        return (cipher.Create(key, iv, mac?.Create(macKey)), cipher.Create(key, iv, mac?.Create(macKey)));
    }

    /// <summary>A well-formed plaintext packet (RFC 4253 §6) padded for <paramref name="cipher"/>.</summary>
    internal static byte[] MakePacket(IPacketCipher cipher, int payloadLength, Random rng)
    {
        int blockSize = Math.Max(cipher.BlockSize, 8);
        int aligned = (cipher.LengthExcludedFromAlignment ? 1 : 5) + payloadLength;
        int padding = blockSize - aligned % blockSize;
        if (padding < 4)
            padding += blockSize;
        byte[] packet = new byte[5 + payloadLength + padding];
        rng.NextBytes(packet);
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(packet.Length - 4));
        packet[4] = (byte)padding;
        return packet;
    }

    [TestCaseSource(nameof(Suites))]
    public void OpenFromTheReceivedBuffer_DecryptsIntoAnother_AndLeavesTheSourceAsItWas(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        using (sealer)
        using (opener)
        {
            var rng = new Random(3);
            uint seq = 7;
            foreach (int payloadLength in new[] { 0, 17, 1000, 32768 })
            {
                byte[] plain = MakePacket(sealer, payloadLength, rng);
                byte[] received = (byte[])plain.Clone();
                byte[] tag = new byte[sealer.TagSize];
                sealer.Seal(seq, received, tag);
                byte[] receivedCopy = (byte[])received.Clone();
                byte[] destination = new byte[received.Length];
                opener.Open(seq, received, destination, tag);
                Assert.That(destination, Is.EqualTo(plain), $"payload of {payloadLength} bytes");
                Assert.That(received, Is.EqualTo(receivedCopy), "the socket's buffer is only read");
                seq++;
            }

            // A forged packet: MAC error, and no plaintext left in the destination.
            byte[] forged = MakePacket(sealer, 100, rng);
            byte[] forgedTag = new byte[sealer.TagSize];
            sealer.Seal(seq, forged, forgedTag);
            if (sealer.TagSize == 0) return;
            forged[^1] ^= 1;
            byte[] into = new byte[forged.Length];
            var e = Assert.Throws<SshProtocolException>(() => opener.Open(seq, forged, into, forgedTag));
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.MacError));
            Assert.That(into.AsSpan(5).IndexOfAnyExcept((byte)0), Is.EqualTo(-1), "no plaintext of a forged packet");
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void SealThenOpenRoundTrips(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        using (sealer)
        using (opener)
        {
            var rng = new Random(2);
            uint seq = 0xfffffffd; // crosses the 32-bit wrap (RFC 4253 §6.4)
            foreach (int payloadLength in new[] { 0, 1, 15, 16, 17, 100, 1000, 32768, 35000, 3 })
            {
                byte[] plain = MakePacket(sealer, payloadLength, rng);
                byte[] packet = (byte[])plain.Clone();
                byte[] tag = new byte[sealer.TagSize];
                sealer.Seal(seq, packet, tag);
                if (sealer.TagSize > 0)
                    Assert.That(packet, Is.Not.EqualTo(plain));

                Assert.That(opener.DecryptLength(seq, packet.AsSpan(0, opener.LengthBytesNeeded)), Is.EqualTo((uint)(plain.Length - 4)));
                opener.Open(seq, packet, tag);
                Assert.That(packet, Is.EqualTo(plain), $"payload of {payloadLength} bytes");
                seq++;
            }
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void DecryptLengthHasNoSideEffects(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        using (sealer)
        using (opener)
        {
            var rng = new Random(3);
            for (uint seq = 5; seq < 8; seq++)
            {
                byte[] plain = MakePacket(sealer, 50, rng);
                byte[] packet = (byte[])plain.Clone();
                byte[] tag = new byte[sealer.TagSize];
                sealer.Seal(seq, packet, tag);
                byte[] sealedCopy = (byte[])packet.Clone();

                uint first = opener.DecryptLength(seq, packet.AsSpan(0, opener.LengthBytesNeeded));
                uint second = opener.DecryptLength(seq, packet.AsSpan(0, opener.LengthBytesNeeded));
                Assert.That(first, Is.EqualTo((uint)(plain.Length - 4)));
                Assert.That(second, Is.EqualTo(first));
                Assert.That(packet, Is.EqualTo(sealedCopy), "DecryptLength must not write to the packet");
                opener.Open(seq, packet, tag);
                Assert.That(packet, Is.EqualTo(plain));
            }
        }
    }

    public enum Region { Length, Body, Tag }

    public static IEnumerable<TestCaseData> TamperCases()
    {
        foreach (TestCaseData suite in Suites())
        {
            foreach (Region region in Enum.GetValues<Region>())
                yield return new TestCaseData(suite.Arguments[0], suite.Arguments[1], region)
                    .SetArgDisplayNames((string)suite.Arguments[0]! + (suite.Arguments[1] is string m ? "+" + m : ""), region.ToString());
        }
    }

    // Classic encrypt-and-MAC CTR decrypts the length before it can check anything, so a flipped length bit shows up
    // first as a wrong length; given the whole packet, Open must still reject it.
    [TestCaseSource(nameof(TamperCases))]
    public void AFlippedBitIsAMacError(string cipherName, string? macName, Region region)
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 8; trial++)
        {
            (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName, seed: trial);
            using (sealer)
            using (opener)
            {
                byte[] packet = MakePacket(sealer, 200, rng);
                byte[] tag = new byte[sealer.TagSize];
                sealer.Seal(9, packet, tag);

                int bit = rng.Next(8);
                switch (region)
                {
                    case Region.Length: packet[rng.Next(4)] ^= (byte)(1 << bit); break;
                    case Region.Body: packet[4 + rng.Next(packet.Length - 4)] ^= (byte)(1 << bit); break;
                    case Region.Tag: tag[rng.Next(tag.Length)] ^= (byte)(1 << bit); break;
                }

                var e = Assert.Throws<SshProtocolException>(() => opener.Open(9, packet, tag));
                Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.MacError));
                Assert.That(packet, Is.All.EqualTo(0), "no plaintext of a forged packet may remain");
            }
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void TheSequenceNumberIsAuthenticated(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        using (sealer)
        using (opener)
        {
            var rng = new Random(5);
            byte[] first = MakePacket(sealer, 40, rng), second = MakePacket(sealer, 40, rng);
            byte[] firstTag = new byte[sealer.TagSize], secondTag = new byte[sealer.TagSize];
            sealer.Seal(10, first, firstTag);
            sealer.Seal(11, second, secondTag);

            // AES-GCM counts packets with its own invocation counter (RFC 5647 §7.1), so a dropped or replayed packet
            // fails the same way a wrong sequence number does for the others: open the second packet first.
            var e = cipherName.Contains("gcm", StringComparison.Ordinal)
                ? Assert.Throws<SshProtocolException>(() => opener.Open(11, second, secondTag))
                : Assert.Throws<SshProtocolException>(() => opener.Open(11, first, firstTag));
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.MacError));
        }
    }

    [TestCaseSource(nameof(Suites))]
    public void TheSamePlaintextNeverSealsTheSameWay(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        using (sealer)
        using (opener)
        {
            byte[] plain = MakePacket(sealer, 64, new Random(6));
            byte[] a = (byte[])plain.Clone(), b = (byte[])plain.Clone();
            byte[] tagA = new byte[sealer.TagSize], tagB = new byte[sealer.TagSize];
            sealer.Seal(1, a, tagA);
            sealer.Seal(2, b, tagB);
            Assert.That(b, Is.Not.EqualTo(a));
            Assert.That(tagB, Is.Not.EqualTo(tagA));
        }
    }

    [Test]
    public void NoneCipherLeavesPacketsAlone()
    {
        IPacketCipher none = NonePacketCipher.Instance;
        Assert.That((none.BlockSize, none.TagSize, none.LengthBytesNeeded, none.LengthExcludedFromAlignment), Is.EqualTo((8, 0, 4, false)));
        byte[] plain = MakePacket(none, 10, new Random(7));
        byte[] packet = (byte[])plain.Clone();
        none.Seal(0, packet, Span<byte>.Empty);
        Assert.That(packet, Is.EqualTo(plain));
        Assert.That(none.DecryptLength(0, packet), Is.EqualTo((uint)(packet.Length - 4)));
        none.Open(0, packet, ReadOnlySpan<byte>.Empty);
        Assert.That(packet, Is.EqualTo(plain));
    }
}
