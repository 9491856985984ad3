using System.Buffers;
using System.Buffers.Binary;

namespace Ssh.Sftp.Protocol;

/// <summary>A received packet without its length prefix (type byte first), in a pooled buffer that
/// <see cref="Return"/> gives back.</summary>
internal readonly struct ReceivedPacket(byte[] buffer, int length)
{
    public byte[] Buffer => buffer;

    public int Length => length;

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public SftpPacketType Type => (SftpPacketType)buffer[0];

    /// <summary>The request id of a packet that carries one (everything but INIT and VERSION).</summary>
    public uint Id => length >= 5 ? BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(1)) : throw new SftpProtocolException("A packet too short to hold a request id.");

    /// <summary>A reader positioned after the type byte and, for <paramref name="withId"/>, the request id.</summary>
    public SftpReader Reader(bool withId = true)
    {
        var reader = new SftpReader(Span);
        reader.ReadByte();
        if (withId) reader.ReadUInt32();
        return reader;
    }

    public void Return() => ArrayPool<byte>.Shared.Return(buffer);
}

/// <summary>Reads length-prefixed SFTP packets from a byte stream (a channel, a pipe). The length is checked
/// against <see cref="MaxPacketLength"/> before a buffer is rented for the body.</summary>
internal sealed class SftpPacketStream(Stream stream, int maxPacketLength)
{
    private readonly byte[] _header = new byte[4];

    public Stream Stream => stream;

    /// <summary>The longest packet body accepted (OpenSSH's sftp-server and client use 256 KiB).</summary>
    public int MaxPacketLength => maxPacketLength;

    /// <summary>The next packet, or null when the stream ended cleanly between packets.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReceivedPacket?> ReadAsync(CancellationToken cancellationToken)
    {
        int got = await stream.ReadAtLeastAsync(_header, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0) return null;
        if (got < 4) throw new SftpProtocolException("The stream ended inside a packet's length.");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length == 0 || length > (uint)maxPacketLength)
            throw new SftpProtocolException($"A packet of {length} bytes (the limit is {maxPacketLength}).");
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            int n = await stream.ReadAtLeastAsync(buffer.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (n < length) throw new SftpProtocolException($"The stream ended {length - n} bytes into a packet of {length}.");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new ReceivedPacket(buffer, (int)length);
    }
}
