using NUnit.Framework;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Tests.Transport.Algorithms;

public class AesCtrTests
{
    private const string Sp80038aPlaintext =
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    private const string Sp80038aCounter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

    // NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
    [TestCase("2b7e151628aed2a6abf7158809cf4f3c",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" +
        "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")]
    [TestCase("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5" +
        "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6")]
    public void Sp80038a(string keyHex, string ciphertextHex)
    {
        using var ctr = new AesCtrKeystream(Convert.FromHexString(keyHex), Convert.FromHexString(Sp80038aCounter));
        byte[] data = Convert.FromHexString(Sp80038aPlaintext);
        ctr.Apply(data.AsSpan(0, 16)); // the counter carries on between calls
        ctr.Apply(data.AsSpan(16));
        Assert.That(Convert.ToHexStringLower(data), Is.EqualTo(ciphertextHex));
    }

    [Test]
    public void PeekBlockDoesNotAdvance()
    {
        using var ctr = new AesCtrKeystream(Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"), Convert.FromHexString(Sp80038aCounter));
        byte[] peek1 = new byte[16], peek2 = new byte[16], block = new byte[16];
        ctr.PeekBlock(peek1);
        ctr.PeekBlock(peek2);
        ctr.Apply(block);
        Assert.That(peek1, Is.EqualTo(peek2));
        Assert.That(Convert.ToHexStringLower(block), Is.EqualTo("ec8cdf7398607cb0f2d21675ea9ea1e4")); // F.5.1 output block 1
    }

    // The counter is one 128-bit number: it carries out of the low 64 bits and wraps at 2^128 (RFC 4344 §4).
    [TestCase("0000000000000000fffffffffffffff0")]
    [TestCase("ffffffffffffffffffffffffffffff00")]
    [TestCase("000102030405060708090a0b0c0d0e0f")]
    public void MatchesBouncyCastleAcrossCarriesAndChunks(string counterHex)
    {
        var rng = new Random(4344);
        byte[] key = new byte[32];
        rng.NextBytes(key);
        byte[] iv = Convert.FromHexString(counterHex);
        byte[] data = new byte[3 * 8192 + 16 * 37];
        rng.NextBytes(data);

        var reference = new SicBlockCipher(new AesEngine());
        reference.Init(true, new ParametersWithIV(new KeyParameter(key), iv));
        byte[] expected = new byte[data.Length];
        for (int i = 0; i < data.Length; i += 16)
            reference.ProcessBlock(data, i, expected, i);

        using var ctr = new AesCtrKeystream(key, iv);
        byte[] actual = (byte[])data.Clone();
        int offset = 0;
        foreach (int length in new[] { 16, 4096, 8192 + 48, 160, 8192 })
        {
            ctr.Apply(actual.AsSpan(offset, length));
            offset += length;
        }
        ctr.Apply(actual.AsSpan(offset));
        Assert.That(actual, Is.EqualTo(expected));
    }
}
