using NUnit.Framework;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

public class BcryptPbkdfTests
{
    [Test]
    public void PiWords_AreBlowfishsInitialTables()
    {
        uint[] words = Blowfish.ComputePiWords(18 + 1024);
        Assert.That(words[0], Is.EqualTo(0x243F6A88u));   // P1
        Assert.That(words[17], Is.EqualTo(0x8979FB1Bu));  // P18
        Assert.That(words[18], Is.EqualTo(0xD1310BA6u));  // S1[0]
        Assert.That(words[^1], Is.EqualTo(0x3AC372E6u));  // S4[255]
    }

    [TestCase("0123456789abcdef", 0x01234567u, 0x89abcdefu)]
    [TestCase("a much longer key, more than 72 bytes, which wraps around when it is streamed into P", 0u, 0u)]
    public void Blowfish_AgreesWithBouncyCastle(string key, uint left, uint right)
    {
        byte[] keyBytes = System.Text.Encoding.ASCII.GetBytes(key)[..Math.Min(key.Length, 56)];
        var ours = new Blowfish();
        ours.SetKey(keyBytes);
        uint l = left, r = right;
        ours.Encipher(ref l, ref r);

        var theirs = new BlowfishEngine();
        theirs.Init(true, new KeyParameter(keyBytes));
        byte[] block = new byte[8], output = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(block, left);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(block.AsSpan(4), right);
        theirs.ProcessBlock(block, 0, output, 0);

        Assert.That(l, Is.EqualTo(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(output)));
        Assert.That(r, Is.EqualTo(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(output.AsSpan(4))));
    }

    [Test]
    public void DeriveKey_IsDeterministicAndDependsOnEveryInput()
    {
        byte[] a = Derive("password", "salt", 2, 48);
        Assert.That(Derive("password", "salt", 2, 48), Is.EqualTo(a));
        Assert.That(Derive("passwore", "salt", 2, 48), Is.Not.EqualTo(a));
        Assert.That(Derive("password", "salu", 2, 48), Is.Not.EqualTo(a));
        Assert.That(Derive("password", "salt", 3, 48), Is.Not.EqualTo(a));
        // Stride spreading: a shorter output is not a prefix of a longer one.
        Assert.That(Derive("password", "salt", 2, 32), Is.Not.EqualTo(a[..32]));
    }

    private static byte[] Derive(string password, string salt, int rounds, int length)
    {
        byte[] key = new byte[length];
        BcryptPbkdf.DeriveKey(System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(salt), rounds, key);
        return key;
    }
}
