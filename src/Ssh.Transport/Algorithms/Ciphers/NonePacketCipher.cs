using System.Buffers.Binary;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>The state before the first NEWKEYS (RFC 4253 §6): no encryption, no MAC, 8-byte alignment over the
/// whole packet. Stateless, so one instance serves every connection.</summary>
internal sealed class NonePacketCipher : IPacketCipher
{
    public static NonePacketCipher Instance { get; } = new();

    private NonePacketCipher() { }

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
