using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary><c>aes128-gcm@openssh.com</c> / <c>aes256-gcm@openssh.com</c>: RFC 5647 as OpenSSH does it (OpenSSH
/// PROTOCOL §1.6). The 4-byte packet length is sent in the clear as additional authenticated data; everything
/// after it is encrypted; a 16-byte tag follows.</summary>
/// <remarks>RFC 5647 §7.1: the 12-byte nonce is a 4-byte fixed field and an 8-byte big-endian invocation counter,
/// both from the derived IV; the counter goes up by one (wrapping) after every packet. Contrary to RFC 5647 §5.1,
/// the MAC is not negotiated separately (OpenSSH ignores it for AEAD ciphers, and so do we).</remarks>
internal sealed class AesGcmPacketCipher : IPacketCipher
{
    public const int IvSize = 12;
    private const int Tag = 16;

    private readonly AesGcm _gcm;
    private readonly uint _fixed;
    private ulong _invocation;

    public AesGcmPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length is not (16 or 32))
            throw new ArgumentException($"AES-GCM takes a 16- or 32-byte key, not {key.Length} bytes.", nameof(key));
        if (iv.Length != IvSize)
            throw new ArgumentException($"AES-GCM takes a {IvSize}-byte IV, not {iv.Length} bytes.", nameof(iv));
        _gcm = new AesGcm(key, Tag);
        _fixed = BinaryPrimitives.ReadUInt32BigEndian(iv);
        _invocation = BinaryPrimitives.ReadUInt64BigEndian(iv[4..]);
    }

    public int BlockSize => 16;
    public int TagSize => Tag;
    public int LengthBytesNeeded => 4;
    public bool LengthExcludedFromAlignment => true;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes) =>
        BinaryPrimitives.ReadUInt32BigEndian(firstBytes);

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(nonce);
        _gcm.Encrypt(nonce, packet[4..], packet[4..], tag[..Tag], packet[..4]);
        _invocation++;
    }

    public void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => Open(sequenceNumber, packet, packet, tag);

    public void Open(uint sequenceNumber, ReadOnlySpan<byte> source, Span<byte> destination, ReadOnlySpan<byte> tag)
    {
        if (source.Length < 4 || destination.Length != source.Length || tag.Length != Tag)
            throw new SshProtocolException(DisconnectReason.MacError, "The packet or its AES-GCM tag is truncated.");
        Span<byte> nonce = stackalloc byte[IvSize];
        WriteNonce(nonce);
        try
        {
            // The length is additional data, authenticated from the source; in place, source and destination are one.
            _gcm.Decrypt(nonce, source[4..], tag, destination[4..], source[..4]);
        }
        catch (CryptographicException)
        {
            CryptographicOperations.ZeroMemory(destination);
            throw new SshProtocolException(DisconnectReason.MacError, "The packet's AES-GCM tag is wrong: the data was corrupted or tampered with.");
        }
        source[..4].CopyTo(destination);
        _invocation++;
    }

    private void WriteNonce(Span<byte> nonce)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _fixed);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], _invocation);
    }

    public void Dispose()
    {
        _gcm.Dispose();
        _invocation = 0;
    }
}
