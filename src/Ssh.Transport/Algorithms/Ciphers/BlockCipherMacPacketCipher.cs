using System.Buffers.Binary;
using System.Security.Cryptography;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>A block cipher mode (<c>aes128/192/256-ctr</c>, RFC 4344; <c>aes128/192/256-cbc</c> and <c>3des-cbc</c>,
/// RFC 4253 §6.3) with a MAC, in either arrangement the MAC asks for:
/// <list type="bullet">
/// <item>classic encrypt-and-MAC (RFC 4253 §6): the MAC covers <c>seq ‖ plaintext packet</c> and the whole packet,
/// length included, is encrypted;</item>
/// <item>encrypt-then-MAC (<c>-etm@openssh.com</c>, OpenSSH PROTOCOL §1.5): the length stays in the clear, the
/// rest is encrypted, and the MAC covers <c>seq ‖ length ‖ ciphertext</c> and is checked before decrypting.</item>
/// </list>
/// The cipher owns the MAC and disposes it.</summary>
internal sealed class BlockCipherMacPacketCipher : IPacketCipher
{
    private const int MaxMacSize = 64;
    private const int MaxBlockSize = 16;

    private readonly IBlockMode _mode;
    private readonly IMac _mac;
    private readonly bool _etm;

    /// <summary>Takes ownership of <paramref name="mode"/> and <paramref name="mac"/>.</summary>
    public BlockCipherMacPacketCipher(IBlockMode mode, IMac mac)
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(mac);
        if (mac.Size > MaxMacSize)
            throw new ArgumentException($"MACs longer than {MaxMacSize} bytes are not supported.", nameof(mac));
        if (mode.BlockBytes > MaxBlockSize)
            throw new ArgumentException($"Blocks longer than {MaxBlockSize} bytes are not supported.", nameof(mode));
        _mode = mode;
        _mac = mac;
        _etm = mac.EncryptThenMac;
    }

    public int BlockSize => _mode.BlockBytes;
    public int TagSize => _mac.Size;
    public int LengthBytesNeeded => _etm ? 4 : _mode.BlockBytes;
    public bool LengthExcludedFromAlignment => _etm;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(firstBytes);
        if (_etm)
            return length;
        if (firstBytes.Length < _mode.BlockBytes)
            throw new ArgumentException($"Decrypting the length of a packet needs its first {_mode.BlockBytes} bytes.", nameof(firstBytes));
        Span<byte> first = stackalloc byte[MaxBlockSize];
        _mode.PeekFirstBlock(firstBytes, first);
        length = BinaryPrimitives.ReadUInt32BigEndian(first);
        first.Clear();
        return length;
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (!IsAligned(packet.Length))
            throw new ArgumentException("The packet is not padded to the cipher's block size.", nameof(packet));
        if (_etm)
        {
            _mode.Encrypt(packet[4..]);
            _mac.Compute(sequenceNumber, packet, tag);
        }
        else
        {
            _mac.Compute(sequenceNumber, packet, tag);
            _mode.Encrypt(packet);
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
            _mode.Decrypt(packet[4..]);
        }
        else
        {
            _mode.Decrypt(packet);
            _mac.Compute(sequenceNumber, packet, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, tag))
                Fail(packet);
        }
    }

    private bool IsAligned(int packetLength) =>
        _etm ? packetLength >= 4 && (packetLength - 4) % _mode.BlockBytes == 0
             : packetLength % _mode.BlockBytes == 0;

    private static void Fail(Span<byte> packet)
    {
        CryptographicOperations.ZeroMemory(packet);
        throw new SshProtocolException(DisconnectReason.MacError, "The packet's MAC is wrong: the data was corrupted or tampered with.");
    }

    public void Dispose()
    {
        _mode.Dispose();
        _mac.Dispose();
    }
}
