using System.Text;

namespace Ssh.Transport.Wire;

/// <summary>A growable byte buffer for data that is not on the hot path (exchange hashes, signatures, key blobs),
/// with the same encodings as <see cref="SshWriter"/>.</summary>
public sealed class SshBuffer
{
    private byte[] _data;
    private int _length;

    /// <summary>An empty buffer with room for <paramref name="capacity"/> bytes before it first grows.</summary>
    public SshBuffer(int capacity = 256) => _data = new byte[capacity];

    /// <summary>The number of bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far; valid until the next write or <see cref="Clear"/>.</summary>
    public ReadOnlySpan<byte> Span => _data.AsSpan(0, _length);

    /// <summary>A copy of the bytes written so far.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Appends a <c>byte</c>. Every write returns this buffer, so writes chain.</summary>
    public SshBuffer WriteByte(byte value) { Grow(1)[0] = value; return this; }

    /// <summary>Appends a <c>boolean</c>: one byte, 1 or 0.</summary>
    public SshBuffer WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Appends a <c>uint32</c>, big-endian.</summary>
    public SshBuffer WriteUInt32(uint value) { System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value); return this; }

    /// <summary>Appends a <c>uint64</c>, big-endian.</summary>
    public SshBuffer WriteUInt64(ulong value) { System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value); return this; }

    /// <summary>Appends raw bytes, with no length prefix.</summary>
    public SshBuffer WriteBytes(ReadOnlySpan<byte> value) { value.CopyTo(Grow(value.Length)); return this; }

    /// <summary>Appends a <c>string</c>: a uint32 length, then the bytes.</summary>
    public SshBuffer WriteString(ReadOnlySpan<byte> value) { WriteUInt32((uint)value.Length); return WriteBytes(value); }

    /// <summary>Appends a <c>string</c> holding <paramref name="value"/> in UTF-8.</summary>
    public SshBuffer WriteString(string value) => WriteString(Encoding.UTF8.GetBytes(value));

    /// <summary>Appends a <c>name-list</c>: the names joined with commas, as a string. The names are not checked.</summary>
    public SshBuffer WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    /// <summary>Appends an <c>mpint</c> from unsigned big-endian magnitude bytes (RFC 4251 §5): leading zeros
    /// stripped, a zero byte added when the top bit is set.</summary>
    public SshBuffer WriteMpint(ReadOnlySpan<byte> unsignedBigEndian)
    {
        ReadOnlySpan<byte> magnitude = Mpint.Magnitude(unsignedBigEndian, out bool pad);
        WriteUInt32((uint)(magnitude.Length + (pad ? 1 : 0)));
        if (pad) WriteByte(0);
        return WriteBytes(magnitude);
    }

    /// <summary>Empties the buffer for reuse, keeping its capacity; with <paramref name="zero"/> the bytes written
    /// are overwritten with zeros first (for secrets).</summary>
    public void Clear(bool zero = false)
    {
        if (zero) Array.Clear(_data, 0, _length);
        _length = 0;
    }

    private Span<byte> Grow(int count)
    {
        if (_length + count > _data.Length)
            Array.Resize(ref _data, Math.Max(_data.Length * 2, _length + count));
        Span<byte> span = _data.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
