using System.Buffers.Binary;
using System.Text;

namespace Ssh.Sftp.Protocol;

/// <summary>Reads SFTP's wire types (SSH's byte, uint32, uint64, string) from one packet. Every read checks the
/// remaining length first: a truncated or lying packet is an <see cref="SftpProtocolException"/>, never an index
/// error, and a string length is checked before anything is allocated for it.</summary>
internal ref struct SftpReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly bool AtEnd => _position == _data.Length;

    public byte ReadByte() => Take(1)[0];

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    /// <summary>An SSH string's bytes, without copying.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
            throw new SftpProtocolException($"A string claims {length} bytes where the packet has {Remaining} left.");
        return Take((int)length);
    }

    /// <summary>An SSH string as UTF-8 text (SFTP v3 paths are UTF-8 in practice; invalid bytes become U+FFFD).</summary>
    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    /// <summary>A path: a string that must not contain NUL, which no POSIX name can hold.</summary>
    public string ReadPath()
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Contains((byte)0)) throw new SftpPathException("A path contains a NUL byte.");
        return Encoding.UTF8.GetString(bytes);
    }

    public readonly void EnsureEnd(string what)
    {
        if (!AtEnd) throw new SftpProtocolException($"{Remaining} unexpected bytes after {what}.");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw new SftpProtocolException($"The packet ends {count - Remaining} bytes early.");
        ReadOnlySpan<byte> span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}

/// <summary>A well-formed packet whose path the server refuses (NUL inside): answered with BAD_MESSAGE, the
/// session goes on.</summary>
internal sealed class SftpPathException(string message) : Exception(message);
