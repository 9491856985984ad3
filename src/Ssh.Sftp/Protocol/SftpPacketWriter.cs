using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Ssh.Sftp.Protocol;

/// <summary>Writes one SFTP packet (uint32 length, byte type, fields) into a buffer rented from the shared pool,
/// growing it when a field does not fit. <see cref="Finish"/> hands the buffer over as an <see cref="SftpPacket"/>;
/// <see cref="Dispose"/> returns it when the packet is abandoned.</summary>
internal ref struct SftpPacketWriter
{
    private byte[]? _buffer;
    private int _position;

    /// <summary>A packet without a request id (INIT, VERSION), with room for <paramref name="capacity"/> bytes to start with.</summary>
    public static SftpPacketWriter WithoutId(SftpPacketType type, int capacity = 256) => new(type, capacity, withoutId: true);

    private SftpPacketWriter(SftpPacketType type, int capacity, bool withoutId)
    {
        _ = withoutId;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 16));
        _position = 4;
        _buffer[_position++] = (byte)type;
    }

    /// <summary>A request or reply: the type and the request id.</summary>
    public SftpPacketWriter(SftpPacketType type, uint id, int capacity = 256) : this(type, capacity, withoutId: false) => WriteUInt32(id);

    public readonly int Position => _position;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);

    public void WriteString(scoped ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteString(string value)
    {
        Span<byte> room = Reserve(4 + Encoding.UTF8.GetMaxByteCount(value.Length), commit: false);
        int written = Encoding.UTF8.GetBytes(value, room[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(room, (uint)written);
        _position += 4 + written;
    }

    /// <summary>Room for <paramref name="count"/> bytes the caller fills in place (a read reply's data, say);
    /// <see cref="Advance"/> commits what was filled.</summary>
    public Memory<byte> GetMemory(int count)
    {
        Reserve(count, commit: false);
        return _buffer.AsMemory(_position, count);
    }

    public void Advance(int count) => _position += count;

    /// <summary>Writes the length and hands the buffer over; this writer is empty afterwards.</summary>
    public SftpPacket Finish()
    {
        byte[] buffer = _buffer ?? throw new InvalidOperationException("The packet was already finished.");
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(_position - 4));
        _buffer = null;
        return new SftpPacket(buffer, _position);
    }

    public void Dispose()
    {
        if (_buffer is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        _buffer = null;
    }

    private Span<byte> Reserve(int count, bool commit = true)
    {
        byte[] buffer = _buffer ?? throw new InvalidOperationException("The packet was already finished.");
        if (buffer.Length - _position < count)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, _position + count));
            buffer.AsSpan(0, _position).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = buffer = larger;
        }
        Span<byte> span = buffer.AsSpan(_position, count);
        if (commit) _position += count;
        return span;
    }
}

/// <summary>One whole packet, length prefix included, in a pooled buffer that <see cref="Return"/> gives back.</summary>
internal readonly struct SftpPacket(byte[] buffer, int length)
{
    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    /// <summary>The pooled buffer itself, for a caller that rewrites a length in place.</summary>
    public byte[] Buffer => buffer;

    public void Return() => ArrayPool<byte>.Shared.Return(buffer);
}
