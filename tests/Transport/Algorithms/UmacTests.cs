using System.Text;
using NUnit.Framework;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Tests.Transport.Algorithms;

/// <summary>UMAC (RFC 4418) against the test vectors of its Appendix: key "abcdefghijklmnop", nonce "bcdefghi".
/// The SSH form takes the nonce as uint64(sequence number), so the vectors' nonce is read as that number.</summary>
public sealed class UmacTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("abcdefghijklmnop");

    [TestCase("", 0, "6E155FAD26900BE1")]
    [TestCase("a", 3, "44B5CB542F220104")]
    [TestCase("a", 1 << 10, "26BF2F5D60118BD9")]
    [TestCase("a", 1 << 15, "27F8EF643B0D118D")]
    [TestCase("abc", 1, "D4D7B9F6BD4FBFCF")]
    [TestCase("abc", 500, "D4CF26DDEFD5C01A")]
    public void Umac64_Rfc4418Vectors(string unit, int count, string expected)
    {
        byte[] message = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(unit, count)));
        Assert.That(Convert.ToHexString(Tag(8, message)), Is.EqualTo(expected));
    }

    /// <summary>The vectors' nonce "bcdefghi" is 8 bytes; SSH's sequence number fills only the low 32 bits of one.</summary>
    private static byte[] Tag(int size, byte[] message)
    {
        using var mac = new UmacMac(Key, size, encryptThenMac: false);
        var tag = new byte[size];
        mac.ComputeWithNonce(0x6263646566676869UL, message, tag);
        return tag;
    }

    [Test]
    public void Umac128_AgreesWithItselfAcrossCalls_AndDependsOnTheSequenceNumber()
    {
        using var mac = new UmacMac(Key, 16, encryptThenMac: true);
        byte[] a = new byte[16], b = new byte[16], c = new byte[16];
        byte[] message = new byte[5000];
        new Random(1).NextBytes(message);
        mac.Compute(7, message, a);
        mac.Compute(7, message, b);
        mac.Compute(8, message, c);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
    }
}
