using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>The ChaCha20 block function (RFC 8439 §2.3), scalar. Used for the single blocks that
/// chacha20-poly1305@openssh.com needs besides the bulk keystream: the length keystream and the Poly1305 key.</summary>
internal static class ChaCha20
{
    public const int KeyBytes = 32;
    public const int BlockBytes = 64;

    /// <summary>Reads a 32-byte key as the eight little-endian words of the state (RFC 8439 §2.3).</summary>
    public static void LoadKey(ReadOnlySpan<byte> key, Span<uint> words)
    {
        if (key.Length != KeyBytes || words.Length != 8)
            throw new ArgumentException("ChaCha20 takes a 32-byte key and eight key words.");
        for (int i = 0; i < 8; i++)
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
    }

    /// <summary>Writes one 64-byte keystream block for the RFC 8439 state <c>constants ‖ key ‖ counter ‖
    /// nonce0..2</c>. With <paramref name="nonce0"/> as the high half of a 64-bit counter this is also the original
    /// layout (64-bit counter, 64-bit nonce in words 14 and 15) that OpenSSH uses.</summary>
    public static void Block(ReadOnlySpan<uint> key, uint counter, uint nonce0, uint nonce1, uint nonce2, Span<byte> output)
    {
        if (key.Length != 8 || output.Length < BlockBytes)
            throw new ArgumentException("ChaCha20 takes eight key words and a 64-byte output.");

        uint j0 = 0x61707865, j1 = 0x3320646e, j2 = 0x79622d32, j3 = 0x6b206574;
        uint j4 = key[0], j5 = key[1], j6 = key[2], j7 = key[3], j8 = key[4], j9 = key[5], j10 = key[6], j11 = key[7];
        uint j12 = counter, j13 = nonce0, j14 = nonce1, j15 = nonce2;

        uint x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
        uint x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;

        for (int round = 0; round < 10; round++)
        {
            // Column rounds, then diagonal rounds (RFC 8439 §2.3).
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + j0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + j1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + j2);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + j3);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + j4);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + j5);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + j6);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + j7);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + j8);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + j9);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + j10);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + j11);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + j12);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + j13);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + j14);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + j15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }
}
