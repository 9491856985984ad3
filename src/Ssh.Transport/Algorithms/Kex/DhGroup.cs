using System.Numerics;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>A finite-field Diffie-Hellman group (p, g) and its arithmetic for one exchange (RFC 4253 §8): the
/// private exponent, the public value g^x mod p, the check of the peer's 1 &lt; f &lt; p − 1, and K = f^x mod p.
/// Public values travel as mpints; here they are the mpint's bytes (two's complement, no redundant leading zero).
/// The exponent and K are byte arrays the caller wipes; <see cref="ModularExponent"/> does the arithmetic.</summary>
internal sealed class DhGroup
{
    private readonly byte[] _p;
    private readonly byte[] _g;

    public DhGroup(BigInteger p, BigInteger g)
    {
        P = p;
        G = g;
        Bits = (int)p.GetBitLength();
        _p = p.ToByteArray(isUnsigned: true, isBigEndian: true);
        _g = g.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    public BigInteger P { get; }
    public BigInteger G { get; }
    public int Bits { get; }

    public static DhGroup FromHex(string primeHex, int generator = 2) =>
        new(BigInteger.Parse("0" + primeHex, System.Globalization.NumberStyles.HexNumber), generator);

    /// <summary>A random exponent of <paramref name="exponentBits"/> bits (at most |p| − 1), as OpenSSH sizes it:
    /// twice the bits of the hash, so the group gives at least the hash's strength. The caller wipes it.</summary>
    public byte[] CreatePrivate(int exponentBits)
    {
        int bits = Math.Min(exponentBits, Bits - 1);
        byte[] x = RandomNumberGenerator.GetBytes((bits + 7) / 8);
        x[0] &= (byte)(0xFF >> (x.Length * 8 - bits));
        x[0] |= (byte)(0x80 >> (x.Length * 8 - bits)); // the full length: never a tiny exponent
        return x;
    }

    /// <summary>g^x mod p, as the mpint's bytes.</summary>
    public byte[] PublicValue(byte[] x) => MpintBytes(ModularExponent.Compute(_g, x, _p));

    /// <summary>Reads the peer's public value (an mpint's bytes) and checks 1 &lt; f &lt; p − 1 (RFC 4253 §8, and
    /// OpenSSH's dh_pub_is_valid: 0, 1 and p − 1 would fix K). Returns its magnitude.</summary>
    public byte[] ReadPeerPublic(ReadOnlySpan<byte> mpintBytes, string name, string specification)
    {
        BigInteger f = ReadMpint(mpintBytes, name, specification);
        if (f <= BigInteger.One || f >= P - 1)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's DH public value {name} is outside 1 < {name} < p-1 ({specification}).");
        return f.ToByteArray(isUnsigned: true, isBigEndian: true);
    }

    /// <summary>K = f^x mod p as unsigned big-endian bytes (the caller encodes it as an mpint and wipes it).</summary>
    public byte[] Agree(byte[] peer, byte[] x) => ModularExponent.Compute(peer, x, _p);

    /// <summary>An mpint's bytes: the magnitude, with a zero byte in front when its top bit is set (RFC 4251 §5).</summary>
    public static byte[] MpintBytes(ReadOnlySpan<byte> unsignedBigEndian)
    {
        ReadOnlySpan<byte> magnitude = Wire.Mpint.Magnitude(unsignedBigEndian, out bool pad);
        return pad ? [0, .. magnitude] : magnitude.ToArray();
    }

    public static byte[] MpintBytes(BigInteger value) => MpintBytes(value.ToByteArray(isUnsigned: true, isBigEndian: true));

    /// <summary>A non-negative mpint from its bytes, refusing the non-canonical and the negative (RFC 4251 §5).</summary>
    public static BigInteger ReadMpint(ReadOnlySpan<byte> bytes, string name, string specification)
    {
        if (bytes.Length > 0 && (bytes[0] >= 0x80 || (bytes[0] == 0 && (bytes.Length == 1 || bytes[1] < 0x80))))
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's {name} is not a canonical non-negative mpint (RFC 4251 §5, {specification}).");
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }
}
