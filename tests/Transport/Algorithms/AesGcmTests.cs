using System.Buffers.Binary;
using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Tests.Transport.Algorithms;

public class AesGcmTests
{
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (AES-128, with AAD): checks the platform
    // primitive the packet cipher is built on.
    [Test]
    public void McGrewViegaTestCase4()
    {
        byte[] key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");
        byte[] plaintext = Convert.FromHexString(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        byte[] aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        byte[] iv = Convert.FromHexString("cafebabefacedbaddecaf888");
        byte[] ciphertext = new byte[plaintext.Length], tag = new byte[16];
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(iv, plaintext, ciphertext, tag, aad);
        Assert.That(Convert.ToHexStringLower(ciphertext), Is.EqualTo(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"));
        Assert.That(Convert.ToHexStringLower(tag), Is.EqualTo("5bc94fbc3221a5db94fae95ae7121a47"));
    }

    // RFC 5647 §7.1 as OpenSSH does it: nonce = fixed(4) ‖ invocation counter(8), AAD = the length field, the counter
    // going up by one after each packet and wrapping at 2^64.
    [TestCase(16, 0UL)]
    [TestCase(32, ulong.MaxValue)]
    public void PacketsMatchDirectAesGcm(int keySize, ulong initialCounter)
    {
        var rng = new Random(5647);
        byte[] key = new byte[keySize];
        rng.NextBytes(key);
        byte[] iv = new byte[12];
        rng.NextBytes(iv);
        BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(4), initialCounter);

        using var sealer = new AesGcmPacketCipher(key, iv);
        using var reference = new AesGcm(key, 16);
        for (int i = 0; i < 3; i++)
        {
            byte[] packet = new byte[4 + 32];
            rng.NextBytes(packet);
            BinaryPrimitives.WriteUInt32BigEndian(packet, 32);
            byte[] plain = (byte[])packet.Clone();
            byte[] tag = new byte[16];
            sealer.Seal(0, packet, tag);

            byte[] nonce = (byte[])iv.Clone();
            BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), unchecked(initialCounter + (ulong)i));
            byte[] expected = new byte[32], expectedTag = new byte[16];
            reference.Encrypt(nonce, plain.AsSpan(4), expected, expectedTag, plain.AsSpan(0, 4));
            Assert.That(packet.AsSpan(0, 4).ToArray(), Is.EqualTo(plain.AsSpan(0, 4).ToArray()), "the length stays in the clear");
            Assert.That(packet.AsSpan(4).ToArray(), Is.EqualTo(expected));
            Assert.That(tag, Is.EqualTo(expectedTag));
        }
    }
}
