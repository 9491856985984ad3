using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Ssh.Transport.Keys;

/// <summary>OpenBSD's <c>bcrypt_pbkdf</c>, the KDF of passphrase-protected openssh-key-v1 files (PROTOCOL.key
/// "kdfname bcrypt"). A PBKDF2-like construction whose PRF is a bcrypt-style hash over SHA-512 digests; output
/// bytes are spread across the rounds' blocks with a stride, so every output byte depends on every block.</summary>
internal static class BcryptPbkdf
{
    private const int HashSize = 32; // bcrypt_hash output
    private static readonly byte[] MagicText = "OxychromaticBlowfishSwatDynamite"u8.ToArray();

    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, Span<byte> key)
    {
        if (rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), "bcrypt_pbkdf needs at least one round.");
        if (key.Length == 0 || key.Length > HashSize * HashSize)
            throw new ArgumentOutOfRangeException(nameof(key), "bcrypt_pbkdf output must be 1..1024 bytes.");

        int stride = (key.Length + HashSize - 1) / HashSize;
        int amount = (key.Length + stride - 1) / stride;

        Span<byte> sha2pass = stackalloc byte[64];
        SHA512.HashData(password, sha2pass);
        Span<byte> sha2salt = stackalloc byte[64];
        Span<byte> block = stackalloc byte[HashSize];
        Span<byte> output = stackalloc byte[HashSize];
        byte[] countSalt = new byte[salt.Length + 4];
        salt.CopyTo(countSalt);
        var state = new Blowfish();

        int remaining = key.Length;
        for (uint count = 1; remaining > 0; count++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(countSalt.AsSpan(salt.Length), count);
            SHA512.HashData(countSalt, sha2salt);
            Hash(state, sha2pass, sha2salt, block);
            block.CopyTo(output);
            for (int r = 1; r < rounds; r++)
            {
                SHA512.HashData(block, sha2salt);
                Hash(state, sha2pass, sha2salt, block);
                for (int j = 0; j < HashSize; j++) output[j] ^= block[j];
            }

            int take = Math.Min(amount, remaining);
            int i;
            for (i = 0; i < take; i++)
            {
                int dest = i * stride + (int)(count - 1);
                if (dest >= key.Length) break;
                key[dest] = output[i];
            }
            remaining -= i;
        }

        CryptographicOperations.ZeroMemory(sha2pass);
        CryptographicOperations.ZeroMemory(output);
        CryptographicOperations.ZeroMemory(block);
    }

    /// <summary>bcrypt_hash: an expensive Blowfish key schedule keyed by both digests, then the magic text
    /// encrypted 64 times; the words come out little-endian.</summary>
    private static void Hash(Blowfish state, ReadOnlySpan<byte> sha2pass, ReadOnlySpan<byte> sha2salt, Span<byte> output)
    {
        state.Reset();
        state.ExpandState(sha2salt, sha2pass);
        for (int i = 0; i < 64; i++)
        {
            state.Expand0State(sha2salt);
            state.Expand0State(sha2pass);
        }

        Span<uint> data = stackalloc uint[8];
        for (int i = 0; i < 8; i++) data[i] = BinaryPrimitives.ReadUInt32BigEndian(MagicText.AsSpan(i * 4));
        for (int i = 0; i < 64; i++)
        {
            for (int b = 0; b < 8; b += 2) state.Encipher(ref data[b], ref data[b + 1]);
        }
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(output[(i * 4)..], data[i]);
    }
}

/// <summary>Blowfish with the "expandstate" key schedule variants bcrypt needs. The initial P-array and S-boxes
/// are the hexadecimal digits of π's fractional part, which we compute once instead of embedding a table.</summary>
internal sealed class Blowfish
{
    private const int Rounds = 16;
    private readonly uint[] _p = new uint[Rounds + 2];
    private readonly uint[] _s = new uint[4 * 256];

    private static readonly Lazy<uint[]> PiWords = new(() => ComputePiWords(Rounds + 2 + 4 * 256));

    public Blowfish() => Reset();

    public void Reset()
    {
        uint[] pi = PiWords.Value;
        pi.AsSpan(0, _p.Length).CopyTo(_p);
        pi.AsSpan(_p.Length).CopyTo(_s);
    }

    /// <summary>The plain Blowfish key schedule (what bcrypt calls expand0state with one key).</summary>
    public void SetKey(ReadOnlySpan<byte> key)
    {
        Reset();
        Expand0State(key);
    }

    public void Encipher(ref uint left, ref uint right)
    {
        uint l = left ^ _p[0], r = right;
        for (int i = 1; i <= Rounds; i += 2)
        {
            r ^= F(l) ^ _p[i];
            l ^= F(r) ^ _p[i + 1];
        }
        r ^= _p[Rounds + 1];
        left = r;
        right = l;
    }

    public void Expand0State(ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < _p.Length; i++) _p[i] ^= StreamToWord(key, ref j);
        uint l = 0, r = 0;
        for (int i = 0; i < _p.Length; i += 2)
        {
            Encipher(ref l, ref r);
            _p[i] = l;
            _p[i + 1] = r;
        }
        for (int i = 0; i < _s.Length; i += 2)
        {
            Encipher(ref l, ref r);
            _s[i] = l;
            _s[i + 1] = r;
        }
    }

    public void ExpandState(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < _p.Length; i++) _p[i] ^= StreamToWord(key, ref j);
        j = 0;
        uint l = 0, r = 0;
        for (int i = 0; i < _p.Length; i += 2)
        {
            l ^= StreamToWord(data, ref j);
            r ^= StreamToWord(data, ref j);
            Encipher(ref l, ref r);
            _p[i] = l;
            _p[i + 1] = r;
        }
        for (int i = 0; i < _s.Length; i += 2)
        {
            l ^= StreamToWord(data, ref j);
            r ^= StreamToWord(data, ref j);
            Encipher(ref l, ref r);
            _s[i] = l;
            _s[i + 1] = r;
        }
    }

    private uint F(uint x) =>
        ((_s[x >> 24] + _s[256 + ((x >> 16) & 0xFF)]) ^ _s[512 + ((x >> 8) & 0xFF)]) + _s[768 + (x & 0xFF)];

    /// <summary>The next four bytes of <paramref name="data"/> as a big-endian word, wrapping around.</summary>
    private static uint StreamToWord(ReadOnlySpan<byte> data, ref int j)
    {
        uint word = 0;
        for (int i = 0; i < 4; i++)
        {
            if (j >= data.Length) j = 0;
            word = (word << 8) | data[j++];
        }
        return word;
    }

    /// <summary>The first <paramref name="count"/> 32-bit words of π's fractional part, by Machin's formula
    /// π = 16·atan(1/5) − 4·atan(1/239) in fixed point with guard bits.</summary>
    internal static uint[] ComputePiWords(int count)
    {
        int bits = count * 32 + 64;
        BigInteger pi = 16 * ArctanInverse(5, bits) - 4 * ArctanInverse(239, bits);
        BigInteger fraction = pi - (new BigInteger(3) << bits);
        var words = new uint[count];
        for (int i = 0; i < count; i++)
            words[i] = (uint)((fraction >> (bits - 32 * (i + 1))) & uint.MaxValue);
        return words;
    }

    private static BigInteger ArctanInverse(int x, int bits)
    {
        BigInteger power = (BigInteger.One << bits) / x;
        BigInteger sum = power;
        BigInteger xSquared = x * x;
        for (int k = 1; !power.IsZero; k++)
        {
            power /= xSquared;
            BigInteger term = power / (2 * k + 1);
            sum = (k & 1) == 1 ? sum - term : sum + term;
        }
        return sum;
    }
}
