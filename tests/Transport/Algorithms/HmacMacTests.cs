using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Tests.Transport.Algorithms;

public class HmacMacTests
{
    // RFC 4231 test cases 1 and 2. The MAC input is uint32 seq ‖ data (RFC 4253 §6.4), so the first four bytes of the
    // RFC's message become the sequence number.
    [TestCase("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA256",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [TestCase("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "SHA512",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    [TestCase("4a656665", "what do ya want for nothing?", "SHA256",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [TestCase("4a656665", "what do ya want for nothing?", "SHA512",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void Rfc4231(string keyHex, string message, string hash, string expectedHex)
    {
        byte[] data = Encoding.ASCII.GetBytes(message);
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(data);
        using var mac = new HmacMac(new HashAlgorithmName(hash), Convert.FromHexString(keyHex), encryptThenMac: false);
        byte[] output = new byte[mac.Size];
        mac.Compute(seq, data.AsSpan(4), output);
        Assert.That(Convert.ToHexStringLower(output), Is.EqualTo(expectedHex));
    }

    [Test]
    public void EveryRegisteredMacIsHmacOfSequenceNumberAndData()
    {
        var rng = new Random(4231);
        foreach (MacInfo info in MacRegistry.All.Where(m => m.Name.StartsWith("hmac-", StringComparison.Ordinal)))
        {
            byte[] key = new byte[info.KeySize];
            rng.NextBytes(key);
            using IMac mac = info.Create(key);
            Assert.That(mac.Size, Is.EqualTo(info.Size));
            Assert.That(mac.EncryptThenMac, Is.EqualTo(info.EncryptThenMac));
            foreach (int length in new[] { 0, 1, 63, 64, 65, 1000 })
            {
                byte[] data = new byte[length];
                rng.NextBytes(data);
                uint seq = (uint)rng.NextInt64(0, uint.MaxValue + 1L);
                byte[] prefixed = new byte[4 + length];
                BinaryPrimitives.WriteUInt32BigEndian(prefixed, seq);
                data.CopyTo(prefixed, 4);
                byte[] expected = info.Size switch
                {
                    20 => HMACSHA1.HashData(key, prefixed),
                    32 => HMACSHA256.HashData(key, prefixed),
                    _ => HMACSHA512.HashData(key, prefixed),
                };

                // Twice: the reused hash must reset between calls.
                for (int i = 0; i < 2; i++)
                {
                    byte[] output = new byte[mac.Size];
                    mac.Compute(seq, data, output);
                    Assert.That(output, Is.EqualTo(expected), $"{info.Name}, {length} bytes");
                }
            }
        }
    }
}
