using System.Buffers;
using System.Buffers.Binary;
using Ssh.Channels;

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
        int length = BodyLength(got);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            CheckBody(await stream.ReadAtLeastAsync(buffer.AsMemory(0, length), length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false), length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new ReceivedPacket(buffer, length);
    }

    /// <summary>The blocking twin of <see cref="ReadAsync"/>, for a reader on a thread of its own. A channel's stream is
    /// read with <see cref="Channel.Read"/>, which the session's read loop wakes directly and which honours
    /// <paramref name="cancellationToken"/>; any other stream is read as it is (closing it ends the wait).</summary>
    public ReceivedPacket? Read(CancellationToken cancellationToken)
    {
        int got = ReadAtLeast(_header, cancellationToken);
        if (got == 0) return null;
        int length = BodyLength(got);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            CheckBody(ReadAtLeast(buffer.AsSpan(0, length), cancellationToken), length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new ReceivedPacket(buffer, length);
    }

    /// <summary>The body length from the header just read (<paramref name="got"/> of its 4 bytes), checked against
    /// the limit before anything is allocated for it.</summary>
    private int BodyLength(int got)
    {
        if (got < 4) throw new SftpProtocolException("The stream ended inside a packet's length.");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length == 0 || length > (uint)maxPacketLength)
            throw new SftpProtocolException($"A packet of {length} bytes (the limit is {maxPacketLength}).");
        return (int)length;
    }

    private static void CheckBody(int got, int length)
    {
        if (got < length) throw new SftpProtocolException($"The stream ended {length - got} bytes into a packet of {length}.");
    }

    /// <summary>Fills <paramref name="destination"/>, or as much of it as comes before the end of the stream.</summary>
    private int ReadAtLeast(Span<byte> destination, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < destination.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = stream is ChannelStream channel
                ? channel.Channel.Read(destination[total..], cancellationToken)
                : stream.Read(destination[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
