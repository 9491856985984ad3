using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Compression;

namespace Ssh.Transport.Packets;

/// <summary>
/// Builds binary packets (RFC 4253 §6): the caller writes a payload into <see cref="Payload"/> (a buffer rented
/// from the pool for this packet), then <see cref="WriteAsync"/> pads, seals in place, sends and gives the buffer
/// back, so an idle connection holds none. Not thread-safe: the session serialises writers.
/// </summary>
internal sealed class PacketWriter : IDisposable
{
    private const byte UserauthSuccess = 52; // RFC 4252 §5.1

    private readonly Stream _output;
    private byte[]? _buffer;
    private readonly PacketDirection _direction = new();
    private readonly CompressionSlot<ICompressor> _compression = new(CompressionRegistry.CreateCompressor);
    private bool _disposed;

    public PacketWriter(Stream output) => _output = output;

    /// <summary>Called after a USERAUTH_SUCCESS has been sealed (the server's): delayed compression starts from the
    /// next packet on, in both directions.</summary>
    public Action? UserauthSuccessSent { get; set; }

    /// <summary>Takes the negotiated compression into use at NEWKEYS (RFC 4253 §6.2).</summary>
    public void SetCompression(string name, bool authenticated) => _compression.Set(name, authenticated);

    /// <summary>Starts delayed compression (<c>zlib@openssh.com</c>) for the packets after this one.</summary>
    public void EnableDelayedCompression() => _compression.Enable();

    /// <summary>The sequence number of the next packet (RFC 4253 §6.4); wraps at 2^32.</summary>
    public uint SequenceNumber => _direction.SequenceNumber;

    /// <summary>Packets and bytes since the last key change, for the rekey limits (RFC 4344 §3).</summary>
    public long PacketsSinceKeyChange => _direction.PacketsSinceKeyChange;
    public long BytesSinceKeyChange => _direction.BytesSinceKeyChange;

    /// <summary>The direction's state (for tests that set the sequence number near its wrap).</summary>
    internal PacketDirection Direction => _direction;

    /// <summary>Where the next payload goes (after the 5-byte header).</summary>
    public Span<byte> Payload
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _buffer ??= ArrayPool<byte>.Shared.Rent(PacketLimits.BufferSize);
            return _buffer.AsSpan(5, PacketLimits.MaxOutgoingPayload);
        }
    }

    /// <summary>Installs the keys taken into use at NEWKEYS.</summary>
    public void SetCipher(IPacketCipher cipher, bool resetSequenceNumber) => _direction.SetCipher(cipher, resetSequenceNumber);

    /// <summary>Seals the payload written into <see cref="Payload"/> and sends it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(int payloadLength, CancellationToken cancellationToken)
    {
        int total = Seal(payloadLength);
        try
        {
            await _output.WriteAsync(_buffer.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ReleaseBuffer(0);
        }
    }

    /// <summary>Drops a payload that was written but will not be sent here (it was copied elsewhere); its
    /// plaintext is wiped before the buffer goes back to the pool.</summary>
    public void Discard(int payloadLength) => ReleaseBuffer(5 + payloadLength);

    /// <summary>Returns the buffer; the first <paramref name="plaintextBytes"/> still hold plaintext and are
    /// cleared (a sealed packet is ciphertext already).</summary>
    private void ReleaseBuffer(int plaintextBytes)
    {
        byte[]? buffer = _buffer;
        if (buffer is null) return;
        _buffer = null;
        buffer.AsSpan(0, plaintextBytes).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Pads and seals the packet in place; returns its length on the wire.</summary>
    internal int Seal(int payloadLength)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] buffer = _buffer ??= ArrayPool<byte>.Shared.Rent(PacketLimits.BufferSize);
        byte number = buffer[5];
        if (_compression.Active is { } compressor)
            payloadLength = compressor.Compress(buffer.AsSpan(5, payloadLength), buffer.AsSpan(5, PacketLimits.MaxOutgoingPayload));
        int blockSize = _direction.Cipher.BlockSize;
        int unpadded = 1 + payloadLength + (_direction.Cipher.LengthExcludedFromAlignment ? 0 : 4);
        int padding = blockSize - unpadded % blockSize;
        if (padding < 4) padding += blockSize;
        int packetLength = 1 + payloadLength + padding;

        Span<byte> packet = buffer.AsSpan(0, 4 + packetLength);
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)packetLength);
        packet[4] = (byte)padding;
        RandomNumberGenerator.Fill(packet[(5 + payloadLength)..]);
        _direction.Cipher.Seal(SequenceNumber, packet, _buffer.AsSpan(4 + packetLength, _direction.Cipher.TagSize));

        int total = 4 + packetLength + _direction.Cipher.TagSize;
        _direction.Advance(total);
        if (number == UserauthSuccess) UserauthSuccessSent?.Invoke();
        return total;
    }

    /// <summary>The sealed bytes of the last packet (for tests and benchmarks).</summary>
    internal ReadOnlySpan<byte> LastPacket(int total) => _buffer.AsSpan(0, total);

    /// <summary>Returns the buffer to the pool, once: a second return would hand the same array to two renters.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _direction.Dispose();
        _compression.Dispose();
        ReleaseBuffer(_buffer?.Length ?? 0);
    }
}
