using System.Buffers.Binary;
using System.Security.Cryptography;
using SystemChaCha20Poly1305 = System.Security.Cryptography.ChaCha20Poly1305;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary><c>chacha20-poly1305@openssh.com</c> (OpenSSH PROTOCOL.chacha20poly1305). The 64-byte key is
/// K_2 ‖ K_1: K_1 encrypts only the 4-byte length (block counter 0); K_2 block 0 gives the Poly1305 key and K_2 from
/// block 1 on encrypts the rest; the nonce is the sequence number as a uint64. The 16-byte tag is Poly1305 over the
/// whole encrypted packet, checked before anything but the length is decrypted.</summary>
/// <remarks>The bulk keystream comes from the platform's RFC 8439 ChaCha20 with the 96-bit nonce
/// <c>0^4 ‖ uint64(seq)</c>: both layouts put the sequence number in the last two state words and RFC 8439 starts
/// its payload at block 1, so the keystream is identical (its own tag is discarded; encrypting is XOR, so it
/// serves to decrypt too). The two single blocks and Poly1305 are our own, because the platform exposes neither.</remarks>
internal sealed class ChaCha20Poly1305PacketCipher : IPacketCipher
{
    public const string Name = "chacha20-poly1305@openssh.com";
    public const int KeySize = 64;
    private const int Tag = Poly1305.TagBytes;

    private readonly uint[] _payloadKey = new uint[8];
    private readonly uint[] _lengthKey = new uint[8];
    private readonly SystemChaCha20Poly1305 _bulk;

    public ChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            throw new ArgumentException($"{Name} takes a {KeySize}-byte key, not {key.Length} bytes.", nameof(key));
        ChaCha20.LoadKey(key[..32], _payloadKey);
        ChaCha20.LoadKey(key[32..], _lengthKey);
        _bulk = new SystemChaCha20Poly1305(key[..32]);
    }

    public int BlockSize => 8;
    public int TagSize => Tag;
    public int LengthBytesNeeded => 4;
    public bool LengthExcludedFromAlignment => true;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes)
    {
        Span<byte> block = stackalloc byte[ChaCha20.BlockBytes];
        ChaCha20.Block(_lengthKey, 0, 0, 0, NonceWord(sequenceNumber), block);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(firstBytes) ^ BinaryPrimitives.ReadUInt32BigEndian(block);
        CryptographicOperations.ZeroMemory(block);
        return length;
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < 4)
            throw new ArgumentException("A packet starts with its 4-byte length.", nameof(packet));
        Span<byte> block = stackalloc byte[ChaCha20.BlockBytes];
        ChaCha20.Block(_lengthKey, 0, 0, 0, NonceWord(sequenceNumber), block);
        for (int i = 0; i < 4; i++)
            packet[i] ^= block[i];

        XorPayload(sequenceNumber, packet[4..]);

        ChaCha20.Block(_payloadKey, 0, 0, 0, NonceWord(sequenceNumber), block);
        Poly1305.ComputeTag(block[..Poly1305.KeyBytes], packet, tag[..Tag]);
        CryptographicOperations.ZeroMemory(block);
    }

    public void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < 4 || tag.Length != Tag)
            throw new SshProtocolException(DisconnectReason.MacError, "The packet or its Poly1305 tag is truncated.");
        Span<byte> block = stackalloc byte[ChaCha20.BlockBytes];
        Span<byte> expected = stackalloc byte[Tag];
        ChaCha20.Block(_payloadKey, 0, 0, 0, NonceWord(sequenceNumber), block);
        Poly1305.ComputeTag(block[..Poly1305.KeyBytes], packet, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag))
        {
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(packet);
            throw new SshProtocolException(DisconnectReason.MacError, "The packet's Poly1305 tag is wrong: the data was corrupted or tampered with.");
        }

        ChaCha20.Block(_lengthKey, 0, 0, 0, NonceWord(sequenceNumber), block);
        for (int i = 0; i < 4; i++)
            packet[i] ^= block[i];
        CryptographicOperations.ZeroMemory(block);

        XorPayload(sequenceNumber, packet[4..]);
    }

    private void XorPayload(uint sequenceNumber, Span<byte> data)
    {
        Span<byte> nonce = stackalloc byte[12];
        nonce.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], sequenceNumber);
        Span<byte> discardedTag = stackalloc byte[Tag];
        _bulk.Encrypt(nonce, data, data, discardedTag);
    }

    // The uint64 sequence number in wire order, read as the last little-endian state word (its high half is 0).
    private static uint NonceWord(uint sequenceNumber) => BinaryPrimitives.ReverseEndianness(sequenceNumber);

    public void Dispose()
    {
        _bulk.Dispose();
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_payloadKey.AsSpan()));
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_lengthKey.AsSpan()));
    }
}
