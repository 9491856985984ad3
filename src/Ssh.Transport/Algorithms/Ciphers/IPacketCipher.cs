namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>
/// Seals and opens whole binary packets (RFC 4253 §6) for one direction: encryption and integrity together,
/// so each mode (plain, CTR + HMAC, CTR + EtM HMAC, AES-GCM, chacha20-poly1305) is one small class instead of
/// a ladder of flags in the packet code. Implementations allocate nothing per packet.
/// </summary>
/// <remarks>
/// A packet buffer always starts with the 4-byte packet_length field, followed by padding_length, payload and
/// padding: <c>uint32 length ‖ byte padlen ‖ payload ‖ padding</c>. The tag (MAC) follows it on the wire.
/// </remarks>
internal interface IPacketCipher : IDisposable
{
    /// <summary>The multiple the padded packet must reach (RFC 4253 §6: at least 8).</summary>
    int BlockSize { get; }

    /// <summary>Bytes of tag or MAC appended to each packet.</summary>
    int TagSize { get; }

    /// <summary>How many bytes from the start of a packet <see cref="DecryptLength"/> needs.</summary>
    int LengthBytesNeeded { get; }

    /// <summary>True when the length field stays out of the block alignment (AEAD modes and EtM MACs, where the
    /// length is sent unencrypted or encrypted separately); false for classic encrypt-and-MAC modes.</summary>
    bool LengthExcludedFromAlignment { get; }

    /// <summary>Recovers packet_length from the first <see cref="LengthBytesNeeded"/> bytes of a packet without
    /// changing any state: <see cref="Open(uint, Span{byte}, ReadOnlySpan{byte})"/> will process those bytes again.</summary>
    uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes);

    /// <summary>Encrypts <paramref name="packet"/> in place and writes its tag.</summary>
    void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag);

    /// <summary>Authenticates and decrypts <paramref name="packet"/> in place. Throws
    /// <see cref="SshProtocolException"/> with <see cref="DisconnectReason.MacError"/> when the tag is wrong,
    /// comparing in constant time, and leaves no plaintext of a forged packet behind.</summary>
    void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag);

    /// <summary>As <see cref="Open(uint, Span{byte}, ReadOnlySpan{byte})"/>, from <paramref name="source"/> (the
    /// packet as received, left as it is) into <paramref name="destination"/> (the same length): the read path
    /// decrypts straight out of the socket's buffer instead of copying first. By default it copies and opens in
    /// place; a mode that can decrypt across buffers does it in one pass.</summary>
    void Open(uint sequenceNumber, ReadOnlySpan<byte> source, Span<byte> destination, ReadOnlySpan<byte> tag)
    {
        source.CopyTo(destination);
        Open(sequenceNumber, destination, tag);
    }
}
