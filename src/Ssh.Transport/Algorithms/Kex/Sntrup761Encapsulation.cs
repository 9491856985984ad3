using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// sntrup761 encapsulation (NTRU Prime round 3, "Streamlined NTRU Prime" with p = 761, q = 4591, w = 286): the
/// server's half of sntrup761x25519. BouncyCastle's takes 5–25 ms of CPU here, which let 200 simultaneous OpenSSH 9
/// clients (whose first choice this is) run a server past its key exchange deadline on a busy machine; this one does
/// the same arithmetic in well under a millisecond. Its ciphertexts are checked against BouncyCastle's decapsulation
/// and against OpenSSH 9.2 and 10 in the tests. Key generation and decapsulation (the client's half) stay BouncyCastle's.
/// </summary>
/// <remarks>Following the specification's reference algorithms: Rq_decode of the public key h, a random short r
/// (weight w, positions from a constant-time sort), c = Round(h·r) in Z_q[x]/(x^p − x − 1), Rounded_encode(c) ‖
/// HashConfirm, and the session key HashSession(1, r, ciphertext); every hash is SHA-512 of a prefix byte and the
/// input, truncated to 32 bytes.</remarks>
internal static class Sntrup761Encapsulation
{
    public const int P = 761, Q = 4591, W = 286;
    public const int PublicKeyBytes = 1158, CiphertextBytes = 1039, SessionKeyBytes = 32;
    private const int Q12 = (Q - 1) / 2;
    private const int RoundedBytes = 1007, SmallBytes = 191;

    /// <summary>Encapsulates to <paramref name="publicKey"/>: writes the 1039-byte ciphertext and the 32-byte session
    /// key. Any 1158 bytes decode to a public key (values past q reduce), as in the reference.</summary>
    public static void Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> sessionKey)
    {
        if (publicKey.Length != PublicKeyBytes || ciphertext.Length != CiphertextBytes || sessionKey.Length != SessionKeyBytes)
            throw new ArgumentException("sntrup761 takes a 1158-byte public key, a 1039-byte ciphertext and a 32-byte key.");
        var h = new int[P];
        var r = new sbyte[P];
        var c = new int[P];
        byte[] rEncoded = new byte[SmallBytes];
        byte[] x = new byte[32 + CiphertextBytes];
        try
        {
            RqDecode(publicKey, h);
            ShortRandom(r);
            MultiplyAndRound(h, r, c);
            RoundedEncode(c, ciphertext[..RoundedBytes]);
            SmallEncode(r, rEncoded);
            // HashConfirm = Hash_prefix(2, Hash_prefix(3, r) ‖ Hash_prefix(4, pk)).
            HashPrefix(3, rEncoded, x.AsSpan(0, 32));
            HashPrefix(4, publicKey, x.AsSpan(32, 32));
            HashPrefix(2, x.AsSpan(0, 64), ciphertext[RoundedBytes..]);
            // HashSession(1) = Hash_prefix(1, Hash_prefix(3, r) ‖ ciphertext).
            ciphertext.CopyTo(x.AsSpan(32));
            HashPrefix(1, x, sessionKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(r.AsSpan()));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan()));
            CryptographicOperations.ZeroMemory(rEncoded);
            CryptographicOperations.ZeroMemory(x);
        }
    }

    private static void HashPrefix(byte prefix, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        sha.AppendData([prefix]);
        sha.AppendData(input);
        Span<byte> digest = stackalloc byte[64];
        sha.GetHashAndReset(digest);
        digest[..32].CopyTo(output);
        digest.Clear();
    }

    private static void RqDecode(ReadOnlySpan<byte> s, int[] h)
    {
        var m = new int[P];
        Array.Fill(m, Q);
        var values = new int[P];
        Decode(values, s, m);
        for (int i = 0; i < P; i++) h[i] = values[i] - Q12;
    }

    private static void RoundedEncode(int[] c, Span<byte> output)
    {
        var r = new int[P];
        var m = new int[P];
        for (int i = 0; i < P; i++)
        {
            r[i] = (c[i] + Q12) * 10923 >> 15; // (c + q12)/3: c is a multiple of 3
            m[i] = (Q + 2) / 3;
        }
        int written = Encode(output, r, m);
        if (written != output.Length) throw new InvalidOperationException("Rounded_encode wrote the wrong length.");
        Array.Clear(r);
    }

    /// <summary>The specification's Decode: a mixed-radix number with radices <paramref name="m"/>, read from
    /// <paramref name="s"/> by pairing neighbours recursively.</summary>
    private static void Decode(Span<int> output, ReadOnlySpan<byte> s, ReadOnlySpan<int> m)
    {
        int len = m.Length;
        if (len == 1)
        {
            output[0] = m[0] == 1 ? 0 : m[0] <= 256 ? s[0] % m[0] : (s[0] + (s[1] << 8)) % m[0];
            return;
        }
        int half = (len + 1) / 2;
        var r2 = new int[half];
        var m2 = new int[half];
        var bottomR = new int[len / 2];
        var bottomT = new int[len / 2];
        int pos = 0;
        int i;
        for (i = 0; i < len - 1; i += 2)
        {
            uint mm = (uint)m[i] * (uint)m[i + 1];
            if (mm > 256 * 16383)
            {
                bottomT[i / 2] = 256 * 256;
                bottomR[i / 2] = s[pos] + 256 * s[pos + 1];
                pos += 2;
                m2[i / 2] = (int)((((mm + 255) >> 8) + 255) >> 8);
            }
            else if (mm >= 16384)
            {
                bottomT[i / 2] = 256;
                bottomR[i / 2] = s[pos];
                pos += 1;
                m2[i / 2] = (int)((mm + 255) >> 8);
            }
            else
            {
                bottomT[i / 2] = 1;
                bottomR[i / 2] = 0;
                m2[i / 2] = (int)mm;
            }
        }
        if (i < len) m2[i / 2] = m[i];
        Decode(r2, s[pos..], m2);
        int o = 0;
        for (i = 0; i < len - 1; i += 2)
        {
            uint value = (uint)bottomR[i / 2] + (uint)bottomT[i / 2] * (uint)r2[i / 2];
            output[o++] = (int)(value % (uint)m[i]);
            output[o++] = (int)(value / (uint)m[i] % (uint)m[i + 1]);
        }
        if (i < len) output[o] = r2[i / 2];
    }

    /// <summary>The specification's Encode, the inverse of <see cref="Decode"/>; returns the bytes written.</summary>
    private static int Encode(Span<byte> output, ReadOnlySpan<int> r, ReadOnlySpan<int> m)
    {
        int len = m.Length;
        int pos = 0;
        if (len == 1)
        {
            uint value = (uint)r[0];
            uint radix = (uint)m[0];
            while (radix > 1)
            {
                output[pos++] = (byte)value;
                value >>= 8;
                radix = (radix + 255) >> 8;
            }
            return pos;
        }
        int half = (len + 1) / 2;
        var r2 = new int[half];
        var m2 = new int[half];
        int i;
        for (i = 0; i < len - 1; i += 2)
        {
            uint m0 = (uint)m[i];
            uint value = (uint)r[i] + (uint)r[i + 1] * m0;
            uint radix = (uint)m[i + 1] * m0;
            while (radix >= 16384)
            {
                output[pos++] = (byte)value;
                value >>= 8;
                radix = (radix + 255) >> 8;
            }
            r2[i / 2] = (int)value;
            m2[i / 2] = (int)radix;
        }
        if (i < len)
        {
            r2[i / 2] = r[i];
            m2[i / 2] = m[i];
        }
        return pos + Encode(output[pos..], r2, m2);
    }

    /// <summary>Short_random: w coefficients ±1 and the rest 0, at random positions: random 32-bit values with the
    /// low bits marking the kind, sorted in constant time.</summary>
    private static void ShortRandom(sbyte[] r)
    {
        var list = new uint[P];
        RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(list.AsSpan()));
        for (int i = 0; i < W; i++) list[i] &= unchecked((uint)-2);
        for (int i = W; i < P; i++) list[i] = (list[i] & unchecked((uint)-3)) | 1;
        SortConstantTime(list);
        for (int i = 0; i < P; i++) r[i] = (sbyte)((list[i] & 3) - 1);
        Array.Clear(list);
    }

    /// <summary>djbsort's sorting network over uint32 (as int32 with the top bit flipped): the comparisons do not
    /// depend on the values, so the positions of r's nonzero coefficients do not leak through timing.</summary>
    private static void SortConstantTime(uint[] values)
    {
        int n = values.Length;
        var x = new int[n];
        for (int k = 0; k < n; k++) x[k] = (int)(values[k] ^ 0x8000_0000);
        int top = 1;
        while (top < n - top) top += top;
        for (int p = top; p > 0; p >>= 1)
        {
            for (int i = 0; i < n - p; i++)
            {
                if ((i & p) == 0) MinMax(ref x[i], ref x[i + p]);
            }
            for (int q = top; q > p; q >>= 1)
            {
                for (int i = 0; i < n - q; i++)
                {
                    if ((i & p) != 0) continue;
                    int a = x[i + p];
                    for (int r = q; r > p; r >>= 1) MinMax(ref a, ref x[i + r]);
                    x[i + p] = a;
                }
            }
        }
        for (int k = 0; k < n; k++) values[k] = (uint)x[k] ^ 0x8000_0000;
        Array.Clear(x);
    }

    private static void MinMax(ref int a, ref int b)
    {
        int ab = b ^ a;
        int c = unchecked(b - a);
        c ^= ab & (c ^ b);
        c >>= 31;
        c &= ab;
        a ^= c;
        b ^= c;
    }

    /// <summary>c = Round(h·r) in Z_q[x]/(x^p − x − 1): each coefficient, centred mod q, moved to the nearest multiple of 3.</summary>
    private static void MultiplyAndRound(int[] h, sbyte[] r, int[] c)
    {
        var product = new int[2 * P - 1];
        for (int i = 0; i < P; i++)
        {
            int hi = h[i];
            for (int j = 0; j < P; j++) product[i + j] += hi * r[j]; // |sum| < 761 · 2295 < 2^21
        }
        for (int i = 2 * P - 2; i >= P; i--)
        {
            product[i - P] += product[i];
            product[i - P + 1] += product[i];
        }
        for (int i = 0; i < P; i++)
        {
            int a = FreezeQ(product[i]);
            c[i] = a - FreezeThree(a);
        }
        Array.Clear(product);
    }

    /// <summary>x mod q, centred in [−(q−1)/2, (q−1)/2].</summary>
    private static int FreezeQ(int x)
    {
        int v = x % Q;
        if (v < 0) v += Q;
        return v > Q12 ? v - Q : v;
    }

    /// <summary>x mod 3, centred in {−1, 0, 1}.</summary>
    private static int FreezeThree(int x)
    {
        int v = x % 3;
        if (v < 0) v += 3;
        return v == 2 ? -1 : v;
    }

    /// <summary>Small_encode: four coefficients (each + 1, two bits) per byte, the last coefficient alone.</summary>
    private static void SmallEncode(sbyte[] r, Span<byte> output)
    {
        for (int i = 0; i < P / 4; i++)
        {
            int b = (r[4 * i] + 1) | ((r[4 * i + 1] + 1) << 2) | ((r[4 * i + 2] + 1) << 4) | ((r[4 * i + 3] + 1) << 6);
            output[i] = (byte)b;
        }
        output[P / 4] = (byte)(r[P - 1] + 1);
    }
}
