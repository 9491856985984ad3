using System.Buffers.Binary;
using System.Security.Cryptography;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary><c>aes128-ctr</c> / <c>aes256-ctr</c> (RFC 4344) with an HMAC, in either arrangement the MAC asks for:
/// <list type="bullet">
/// <item>classic encrypt-and-MAC (RFC 4253 §6): the MAC covers <c>seq ‖ plaintext packet</c> and the whole packet,
/// length included, is encrypted;</item>
/// <item>encrypt-then-MAC (<c>-etm@openssh.com</c>, OpenSSH PROTOCOL §1.5): the length stays in the clear, the
/// rest is encrypted, and the MAC covers <c>seq ‖ length ‖ ciphertext</c> and is checked before decrypting.</item>
/// </list>
/// The cipher owns the MAC and disposes it.</summary>
internal sealed class AesCtrHmacPacketCipher : IPacketCipher
{
    public const int IvSize = 16;
    private const int MaxMacSize = 64;

    private readonly AesCtrKeystream _ctr;
    private readonly IMac _mac;
    private readonly bool _etm;

    public AesCtrHmacPacketCipher(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, IMac mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        if (key.Length is not (16 or 32))
            throw new ArgumentException($"AES-CTR takes a 16- or 32-byte key, not {key.Length} bytes.", nameof(key));
        if (mac.Size > MaxMacSize)
            throw new ArgumentException($"MACs longer than {MaxMacSize} bytes are not supported.", nameof(mac));
        _ctr = new AesCtrKeystream(key, iv);
        _mac = mac;
        _etm = mac.EncryptThenMac;
    }

    public int BlockSize => AesCtrKeystream.BlockBytes;
    public int TagSize => _mac.Size;
    public int LengthBytesNeeded => _etm ? 4 : AesCtrKeystream.BlockBytes;
    public bool LengthExcludedFromAlignment => _etm;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(firstBytes);
        if (_etm)
            return length;
        if (firstBytes.Length < AesCtrKeystream.BlockBytes)
            throw new ArgumentException("Decrypting the length of an aes-ctr packet needs its first 16 bytes.", nameof(firstBytes));
        Span<byte> keystream = stackalloc byte[AesCtrKeystream.BlockBytes];
        _ctr.PeekBlock(keystream);
        return length ^ BinaryPrimitives.ReadUInt32BigEndian(keystream);
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (!IsAligned(packet.Length))
            throw new ArgumentException("The packet is not padded to the cipher's block size.", nameof(packet));
        if (_etm)
        {
            _ctr.Apply(packet[4..]);
            _mac.Compute(sequenceNumber, packet, tag);
        }
        else
        {
            _mac.Compute(sequenceNumber, packet, tag);
            _ctr.Apply(packet);
        }
    }

    public void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (!IsAligned(packet.Length))
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                "The peer sent a packet whose length is not a multiple of the cipher block size (RFC 4253 §6).");
        if (tag.Length != _mac.Size)
            throw new SshProtocolException(DisconnectReason.MacError, "The packet's MAC has the wrong length.");

        Span<byte> expected = stackalloc byte[MaxMacSize];
        expected = expected[.._mac.Size];
        if (_etm)
        {
            _mac.Compute(sequenceNumber, packet, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, tag))
                Fail(packet);
            _ctr.Apply(packet[4..]);
        }
        else
        {
            _ctr.Apply(packet);
            _mac.Compute(sequenceNumber, packet, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, tag))
                Fail(packet);
        }
    }

    private bool IsAligned(int packetLength) =>
        _etm ? packetLength >= 4 && (packetLength - 4) % AesCtrKeystream.BlockBytes == 0
             : packetLength % AesCtrKeystream.BlockBytes == 0;

    private static void Fail(Span<byte> packet)
    {
        CryptographicOperations.ZeroMemory(packet);
        throw new SshProtocolException(DisconnectReason.MacError, "The packet's MAC is wrong: the data was corrupted or tampered with.");
    }

    public void Dispose()
    {
        _ctr.Dispose();
        _mac.Dispose();
    }
}
