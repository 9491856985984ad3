using System.Buffers.Binary;
using System.Text;

namespace Ssh.Transport.Wire;

/// <summary>Writes RFC 4251 §5 data types into a caller-provided span. Running out of room is a bug in the
/// caller's size estimate, so it throws <see cref="InvalidOperationException"/>.</summary>
public ref struct SshWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>A writer that fills <paramref name="buffer"/> from its start.</summary>
    public SshWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>The number of bytes written so far.</summary>
    public readonly int Position => _position;

    /// <summary>The bytes written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    /// <summary>The room left after what was written, for a caller that fills it in place and then calls
    /// <see cref="Advance"/>.</summary>
    public readonly Span<byte> Free => _buffer[_position..];

    /// <summary>Writes a <c>byte</c>.</summary>
    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_position++] = value;
    }

    /// <summary>Writes a <c>boolean</c>: one byte, 1 or 0.</summary>
    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a big-endian <c>uint32</c>.</summary>
    public void WriteUInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    /// <summary>Writes a big-endian <c>uint64</c>.</summary>
    public void WriteUInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    /// <summary>Writes a <c>string</c>: a uint32 length, then the bytes.</summary>
    public void WriteString(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes a <c>string</c> holding <paramref name="value"/> in UTF-8.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)length);
        Ensure(length);
        _position += Encoding.UTF8.GetBytes(value, _buffer[_position..]);
    }

    /// <summary>Writes a <c>name-list</c>: the names joined with commas, as a string. The names are not checked.</summary>
    public void WriteNameList(IReadOnlyList<string> names) => WriteString(string.Join(',', names));

    /// <summary>An mpint from unsigned big-endian magnitude bytes (RFC 4251 §5): leading zeros stripped,
    /// a zero byte added when the top bit is set.</summary>
    public void WriteMpint(ReadOnlySpan<byte> unsignedBigEndian)
    {
        ReadOnlySpan<byte> magnitude = Mpint.Magnitude(unsignedBigEndian, out bool pad);
        WriteUInt32((uint)(magnitude.Length + (pad ? 1 : 0)));
        if (pad) WriteByte(0);
        WriteBytes(magnitude);
    }

    /// <summary>Writes raw bytes, with no length prefix.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>Moves past bytes the caller filled in through <see cref="Free"/>.</summary>
    public void Advance(int count)
    {
        Ensure(count);
        _position += count;
    }

    private readonly void Ensure(int count)
    {
        if (count > _buffer.Length - _position)
            throw new InvalidOperationException("The message does not fit in its buffer; the size estimate is wrong.");
    }
}
