using NUnit.Framework;
using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Tests.Transport.Algorithms;

/// <summary>CBC as SSH chains it (RFC 4253 §6.3): NIST SP 800-38A F.2.1/F.2.2 (AES-128-CBC), split across calls the way
/// packets split it, and the length peek that leaves the chain alone.</summary>
public sealed class CbcTests
{
    private static readonly byte[] Key = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
    private static readonly byte[] Iv = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Plain = Convert.FromHexString(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    private static readonly byte[] Cipher = Convert.FromHexString(
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7");

    [TestCase(16), TestCase(32), TestCase(48), TestCase(64)]
    public void Sp80038a_Vectors_AcrossTwoPackets(int split)
    {
        using CbcMode encrypt = CbcMode.Aes(Key, Iv);
        byte[] data = (byte[])Plain.Clone();
        encrypt.Encrypt(data.AsSpan(0, split));
        encrypt.Encrypt(data.AsSpan(split));
        Assert.That(data, Is.EqualTo(Cipher));

        using CbcMode decrypt = CbcMode.Aes(Key, Iv);
        Span<byte> first = stackalloc byte[16];
        decrypt.PeekFirstBlock(data, first);
        Assert.That(first.ToArray(), Is.EqualTo(Plain[..16]));
        decrypt.Decrypt(data.AsSpan(0, split));
        if (split < data.Length)
        {
            decrypt.PeekFirstBlock(data.AsSpan(split), first);
            Assert.That(first.ToArray(), Is.EqualTo(Plain[split..(split + 16)]), "the peek uses the previous packet's last block");
        }
        decrypt.Decrypt(data.AsSpan(split));
        Assert.That(data, Is.EqualTo(Plain));
    }

    [Test]
    public void TripleDes_RoundTrips_InEightByteBlocks()
    {
        byte[] key = Enumerable.Range(1, 24).Select(i => (byte)(i * 37)).ToArray();
        byte[] iv = [1, 2, 3, 4, 5, 6, 7, 8];
        using CbcMode encrypt = CbcMode.TripleDes(key, iv);
        using CbcMode decrypt = CbcMode.TripleDes(key, iv);
        Assert.That(encrypt.BlockBytes, Is.EqualTo(8));
        byte[] data = Plain[..40];
        encrypt.Encrypt(data);
        Assert.That(data, Is.Not.EqualTo(Plain[..40]));
        decrypt.Decrypt(data);
        Assert.That(data, Is.EqualTo(Plain[..40]));
    }
}
