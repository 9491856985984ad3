using System.Text;

namespace Ssh.Transport.Wire;

/// <summary>A growable byte buffer for data that is not on the hot path (exchange hashes, signatures, key blobs),
/// with the same encodings as <see cref="SshWriter"/>.</summary>
public sealed class SshBuffer
{
    private byte[] _data;
    private int _length;

    public SshBuffer(int capacity = 256) => _data = new byte[capacity];

    public int Length => _length;
    public ReadOnlySpan<byte> Span => _data.AsSpan(0, _length);
    public byte[] ToArray() => Span.ToArray();

    public SshBuffer WriteByte(byte value) { Grow(1)[0] = value; return this; }
    public SshBuffer WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);
    public SshBuffer WriteUInt32(uint value) { System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value); return this; }
    public SshBuffer WriteUInt64(ulong value) { System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value); return this; }
    public SshBuffer WriteBytes(ReadOnlySpan<byte> value) { value.CopyTo(Grow(value.Length)); return this; }
    public SshBuffer WriteString(ReadOnlySpan<byte> value) { WriteUInt32((uint)value.Length); return WriteBytes(value); }
    public SshBuffer WriteString(string value) => WriteString(Encoding.UTF8.GetBytes(value));
    public SshBuffer WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    public SshBuffer WriteMpint(ReadOnlySpan<byte> unsignedBigEndian)
    {
        ReadOnlySpan<byte> magnitude = Mpint.Magnitude(unsignedBigEndian, out bool pad);
        WriteUInt32((uint)(magnitude.Length + (pad ? 1 : 0)));
        if (pad) WriteByte(0);
        return WriteBytes(magnitude);
    }

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
