using System.Buffers.Binary;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>The state before the first NEWKEYS (RFC 4253 §6): no encryption, no MAC, block size 8.</summary>
public sealed class NonePacketCipher : IPacketCipher
{
    public static readonly NonePacketCipher Instance = new();

    public int BlockSize => 8;
    public int TagSize => 0;
    public int LengthBytesNeeded => 4;
    public bool LengthExcludedFromAlignment => false;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes) =>
        BinaryPrimitives.ReadUInt32BigEndian(firstBytes);

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }

    public void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) { }

    public void Dispose() { }
}
