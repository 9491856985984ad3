using System.Buffers.Binary;
using System.Text;

namespace Ssh.Transport.Wire;

/// <summary>Reads RFC 4251 §5 data types from a span. Every malformed or truncated field raises an
/// <see cref="SshProtocolException"/> (protocol error), never an index exception.</summary>
public ref struct SshReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>A reader positioned at the start of <paramref name="data"/>.</summary>
    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>The number of bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool AtEnd => _position == _data.Length;

    /// <summary>The bytes not read yet, without consuming them.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _data[_position..];

    /// <summary>Reads a <c>byte</c>.</summary>
    public byte ReadByte()
    {
        if (Remaining < 1) ThrowTruncated("byte");
        return _data[_position++];
    }

    /// <summary>Reads a <c>boolean</c>: any non-zero byte is true (RFC 4251 §5).</summary>
    public bool ReadBoolean() => ReadByte() != 0;

    /// <summary>Reads a big-endian <c>uint32</c>.</summary>
    public uint ReadUInt32()
    {
        if (Remaining < 4) ThrowTruncated("uint32");
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    /// <summary>Reads a big-endian <c>uint64</c>.</summary>
    public ulong ReadUInt64()
    {
        if (Remaining < 8) ThrowTruncated("uint64");
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    /// <summary>A length-prefixed byte string, without copying.</summary>
    public ReadOnlySpan<byte> ReadStringBytes()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining) ThrowTruncated("string");
        ReadOnlySpan<byte> value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    /// <summary>A length-prefixed byte string, copied into a new array.</summary>
    public byte[] ReadBinaryString() => ReadStringBytes().ToArray();

    /// <summary>A UTF-8 string (RFC 4251 §5 "string" holding text). Invalid UTF-8 is a protocol error.</summary>
    public string ReadString()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A text field is not valid UTF-8.");
        }
    }

    /// <summary>A comma-separated name-list (RFC 4251 §5). Names are US-ASCII, non-empty, without commas.</summary>
    public string[] ReadNameList()
    {
        ReadOnlySpan<byte> bytes = ReadStringBytes();
        if (bytes.IsEmpty) return Array.Empty<string>();
        foreach (byte b in bytes)
        {
            if (b <= 0x20 || b >= 0x7F)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "A name-list holds a non-printable or non-ASCII character.");
        }
        string[] names = Encoding.ASCII.GetString(bytes).Split(',');
        foreach (string n in names)
        {
            if (n.Length == 0)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "A name-list holds an empty name.");
        }
        return names;
    }

    /// <summary>An mpint's magnitude bytes, big-endian, without the sign byte. Negative values are rejected:
    /// no SSH field we read may be negative.</summary>
    public ReadOnlySpan<byte> ReadMpintUnsigned()
    {
        ReadOnlySpan<byte> raw = ReadStringBytes();
        if (raw.IsEmpty) return raw;
        if ((raw[0] & 0x80) != 0)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A negative mpint where a positive one is required.");
        if (raw[0] == 0)
        {
            if (raw.Length == 1 || (raw[1] & 0x80) == 0)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "An mpint has an unnecessary leading zero byte.");
            raw = raw[1..];
        }
        return raw;
    }

    /// <summary>Reads exactly <paramref name="count"/> raw bytes (no length prefix), without copying.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count < 0 || count > Remaining) ThrowTruncated("bytes");
        ReadOnlySpan<byte> value = _data.Slice(_position, count);
        _position += count;
        return value;
    }

    /// <summary>Fails when anything is left: trailing bytes in a message mean we misunderstood it.</summary>
    public readonly void EnsureEnd(string what)
    {
        if (!AtEnd)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"{what} has {Remaining} unexpected trailing bytes.");
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static void ThrowTruncated(string what) =>
        throw new SshProtocolException(DisconnectReason.ProtocolError, $"A message ended in the middle of a {what} field.");
}
