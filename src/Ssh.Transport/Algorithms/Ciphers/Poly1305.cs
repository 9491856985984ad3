using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>The Poly1305 one-time authenticator (RFC 8439 §2.5), one-shot over a whole message, allocation-free.</summary>
/// <remarks>The accumulator h is kept as two 64-bit limbs plus a few top bits (h0 + h1·2^64 + h2·2^128) and r as
/// two 64-bit limbs. Clamping clears the low two bits of r1, so r1·2^128 = (r1/4)·2^130 ≡ 5·r1/4 (mod 2^130 − 5):
/// the terms that overflow 2^128 fold back with s1 = r1 + r1/4, leaving four 64×64-bit products per block.</remarks>
internal static class Poly1305
{
    public const int KeyBytes = 32;
    public const int TagBytes = 16;

    public static void ComputeTag(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        if (key.Length != KeyBytes || tag.Length < TagBytes)
            throw new ArgumentException("Poly1305 takes a 32-byte key and a 16-byte tag.");

        // RFC 8439 §2.5.1: clamp r.
        ulong r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0FFFFFFC0FFFFFFFUL;
        ulong r1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) & 0x0FFFFFFC0FFFFFFCUL;
        ulong s1 = r1 + (r1 >> 2);
        (ulong h0, ulong h1, ulong h2) = Blocks(message, 0, 0, 0, r0, r1, s1, hibit: 1);
        int tail = message.Length % 16;
        if (tail != 0)
        {
            // The last partial block gets its 0x01 byte right after the data instead of at bit 128.
            Span<byte> last = stackalloc byte[16];
            last.Clear();
            message[^tail..].CopyTo(last);
            last[tail] = 1;
            (h0, h1, h2) = Blocks(last, h0, h1, h2, r0, r1, s1, hibit: 0);
        }

        // h < 2p here, so h mod p is h, or h − p = h + 5 − 2^130 when that is not negative; pick in constant time.
        UInt128 g = (UInt128)h0 + 5;
        ulong g0 = (ulong)g;
        g = (UInt128)h1 + (ulong)(g >> 64);
        ulong g1 = (ulong)g;
        ulong g2 = h2 + (ulong)(g >> 64);
        ulong mask = 0UL - (g2 >> 2);
        h0 = (h0 & ~mask) | (g0 & mask);
        h1 = (h1 & ~mask) | (g1 & mask);

        // tag = (h + s) mod 2^128.
        UInt128 t = (UInt128)h0 + BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        BinaryPrimitives.WriteUInt64LittleEndian(tag, (ulong)t);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], h1 + BinaryPrimitives.ReadUInt64LittleEndian(key[24..]) + (ulong)(t >> 64));
    }

    /// <summary>Absorbs every whole 16-byte block of <paramref name="message"/>. The state lives in locals, not
    /// behind refs, so the JIT keeps it in registers across the loop.</summary>
    private static (ulong H0, ulong H1, ulong H2) Blocks(ReadOnlySpan<byte> message, ulong h0, ulong h1, ulong h2,
        ulong r0, ulong r1, ulong s1, ulong hibit)
    {
        ref byte m = ref MemoryMarshal.GetReference(message);
        nuint end = (nuint)(message.Length & ~15);
        for (nuint i = 0; i < end; i += 16)
        {
            // h += m (with the 2^128 bit for full blocks).
            UInt128 sum = (UInt128)h0 + LittleEndian(ref m, i);
            ulong a0 = (ulong)sum;
            sum = (UInt128)h1 + LittleEndian(ref m, i + 8) + (ulong)(sum >> 64);
            ulong a1 = (ulong)sum;
            ulong a2 = h2 + hibit + (ulong)(sum >> 64);

            // h *= r (mod 2^130 - 5), partially reduced. With a2 <= 7 and r0, r1 < 2^60 every sum fits its type.
            UInt128 d0 = Math.BigMul(a0, r0) + Math.BigMul(a1, s1);
            UInt128 d1 = Math.BigMul(a0, r1) + Math.BigMul(a1, r0) + (UInt128)(a2 * s1);
            ulong d2 = a2 * r0;

            d1 += d0 >> 64;
            d2 += (ulong)(d1 >> 64);
            ulong c = (d2 & ~3UL) + (d2 >> 2); // 5 * (d2 >> 2): the bits at 2^130 and above, folded back.
            sum = (UInt128)(ulong)d0 + c;
            h0 = (ulong)sum;
            sum = (UInt128)(ulong)d1 + (ulong)(sum >> 64);
            h1 = (ulong)sum;
            h2 = (d2 & 3) + (ulong)(sum >> 64);
        }
        return (h0, h1, h2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LittleEndian(ref byte source, nuint offset)
    {
        ulong value = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, offset));
        return BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }
}
