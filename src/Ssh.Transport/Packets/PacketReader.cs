using System.Runtime.CompilerServices;
using System.Buffers;
using System.IO.Pipelines;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Compression;

namespace Ssh.Transport.Packets;

/// <summary>
/// Reads binary packets (RFC 4253 §6) from a <see cref="PipeReader"/>: learns the length from the first bytes,
/// rejects bad lengths before the body arrives, then authenticates and decrypts the whole packet into a buffer
/// rented for it and hands out its payload. A payload stays valid until the next read, which returns the buffer
/// (cleared: it held plaintext) to the pool, so an idle connection holds no packet buffer at all.
/// </summary>
internal sealed class PacketReader : IDisposable
{
    private const byte UserauthSuccess = 52; // RFC 4252 §5.1

    private readonly PipeReader _input;
    private byte[]? _buffer;
    private int _bufferUsed;
    private readonly PacketDirection _direction = new();
    private readonly CompressionSlot<IDecompressor> _compression = new(CompressionRegistry.CreateDecompressor);
    private ReadOnlyMemory<byte> _payload;
    private bool _disposed;

    public PacketReader(PipeReader input) => _input = input;

    /// <summary>Called after a USERAUTH_SUCCESS has been read (by the client): delayed compression starts from the
    /// next packet on, in both directions.</summary>
    public Action? UserauthSuccessReceived { get; set; }

    /// <summary>Takes the negotiated compression into use at NEWKEYS (RFC 4253 §6.2).</summary>
    public void SetCompression(string name, bool authenticated) => _compression.Set(name, authenticated);

    /// <summary>Starts delayed compression (<c>zlib@openssh.com</c>) for the packets after the current one.</summary>
    public void EnableDelayedCompression() => _compression.Enable();

    /// <summary>The sequence number of the next packet (RFC 4253 §6.4); wraps at 2^32.</summary>
    public uint SequenceNumber => _direction.SequenceNumber;

    /// <summary>Packets and bytes since the last key change, for the rekey limits (RFC 4344 §3).</summary>
    public long PacketsSinceKeyChange => _direction.PacketsSinceKeyChange;
    public long BytesSinceKeyChange => _direction.BytesSinceKeyChange;

    /// <summary>The direction's state (for tests that set the sequence number near its wrap).</summary>
    internal PacketDirection Direction => _direction;

    /// <summary>Installs the keys taken into use at NEWKEYS.</summary>
    public void SetCipher(IPacketCipher cipher, bool resetSequenceNumber) => _direction.SetCipher(cipher, resetSequenceNumber);

    /// <summary>Reads the next packet and returns its payload (message number first).</summary>
    /// <exception cref="SshConnectionException">The peer closed the connection.</exception>
    /// <exception cref="SshProtocolException">The packet is malformed or fails authentication.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryReadPacket(ref buffer, out _))
            {
                _input.AdvanceTo(buffer.Start);
                return _payload;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                bool midPacket = !buffer.IsEmpty;
                _input.AdvanceTo(buffer.Start, buffer.End);
                throw new SshConnectionException(midPacket
                    ? "The connection closed in the middle of a packet."
                    : "The connection was closed by the peer.");
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Takes one whole packet off the front of <paramref name="buffer"/> if it is all there.</summary>
    internal bool TryReadPacket(ref ReadOnlySequence<byte> buffer, out int payloadLength)
    {
        ReleaseBuffer();
        payloadLength = 0;
        int lengthBytes = _direction.Cipher.LengthBytesNeeded;
        if (buffer.Length < lengthBytes) return false;

        Span<byte> first = stackalloc byte[32];
        first = first[..lengthBytes];
        buffer.Slice(0, lengthBytes).CopyTo(first);
        uint packetLength = _direction.Cipher.DecryptLength(SequenceNumber, first);
        ValidateLength(packetLength);

        int total = 4 + (int)packetLength + _direction.Cipher.TagSize;
        if (buffer.Length < total) return false;

        _buffer = ArrayPool<byte>.Shared.Rent(total);
        _bufferUsed = total;
        Span<byte> packet = _buffer.AsSpan(0, 4 + (int)packetLength);
        if (buffer.FirstSpan.Length >= total)
        {
            // The whole packet is in one segment of the socket's buffer (nearly always): decrypt straight out of it.
            ReadOnlySpan<byte> received = buffer.FirstSpan[..total];
            _direction.Cipher.Open(SequenceNumber, received[..packet.Length], packet, received[packet.Length..]);
        }
        else
        {
            buffer.Slice(0, total).CopyTo(_buffer);
            _direction.Cipher.Open(SequenceNumber, packet, _buffer.AsSpan(4 + (int)packetLength, _direction.Cipher.TagSize));
        }

        int paddingLength = packet[4];
        if (paddingLength < 4 || paddingLength > packetLength - 2)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"Packet padding length {paddingLength} is invalid for a packet of {packetLength} bytes (RFC 4253 §6).");
        payloadLength = (int)packetLength - 1 - paddingLength;
        _payload = new ReadOnlyMemory<byte>(_buffer, 5, payloadLength);
        if (_compression.Active is { } decompressor)
        {
            _payload = decompressor.Decompress(_payload.Span);
            payloadLength = _payload.Length;
        }

        _direction.Advance(total);
        buffer = buffer.Slice(total);
        if (payloadLength > 0 && _payload.Span[0] == UserauthSuccess) UserauthSuccessReceived?.Invoke();
        return true;
    }

    /// <summary>The payload of the packet <see cref="TryReadPacket"/> last took (valid until the next read).</summary>
    internal ReadOnlySpan<byte> Payload(int payloadLength) => _payload.Span[..payloadLength];

    /// <summary>Returns the last packet's buffer, cleared of its plaintext.</summary>
    private void ReleaseBuffer()
    {
        _payload = default;
        byte[]? buffer = _buffer;
        if (buffer is null) return;
        _buffer = null;
        buffer.AsSpan(0, _bufferUsed).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private void ValidateLength(uint packetLength)
    {
        if (packetLength > PacketLimits.MaxPacketLength)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent a packet of {packetLength} bytes; the limit is {PacketLimits.MaxPacketLength}. " +
                "The data is corrupt or the keys do not match.");
        if (packetLength < 5)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"Packet length {packetLength} is too small to be valid.");
        uint aligned = _direction.Cipher.LengthExcludedFromAlignment ? packetLength : packetLength + 4;
        if (aligned % (uint)_direction.Cipher.BlockSize != 0)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"Packet length {packetLength} is not a multiple of the cipher block size {_direction.Cipher.BlockSize} (RFC 4253 §6).");
    }

    /// <summary>Returns the buffer to the pool, once: a second return would hand the same array to two renters.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _direction.Dispose();
        _compression.Dispose();
        ReleaseBuffer();
    }
}
