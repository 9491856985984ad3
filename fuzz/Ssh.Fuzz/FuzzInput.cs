using System.Buffers.Binary;

namespace Ssh.Fuzz;

/// <summary>A cursor over one fuzz input, for harnesses that take several values from it (a mode byte, a sequence
/// of messages). Reading past the end yields zeros and empty chunks, never an exception: every byte string is a
/// valid input to the harness itself. Harnesses call into the code under test even for an empty input: SharpFuzz
/// may hand the very first run an empty one (it reads stdin before afl-fuzz has written the first seed there), and
/// afl-fuzz gives up on a seed that reaches no instrumented code.</summary>
internal ref struct FuzzInput(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly ReadOnlySpan<byte> Rest => _rest;

    public byte Byte()
    {
        if (_rest.IsEmpty) return 0;
        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    /// <summary>A chunk of up to 65535 bytes: a big-endian uint16 length, then that many bytes (fewer at the end).</summary>
    public ReadOnlySpan<byte> Chunk()
    {
        if (_rest.Length < 2)
        {
            _rest = default;
            return default;
        }
        int length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(_rest), _rest.Length - 2);
        ReadOnlySpan<byte> chunk = _rest.Slice(2, length);
        _rest = _rest[(2 + length)..];
        return chunk;
    }

    /// <summary>Every remaining chunk (see <see cref="Chunk"/>), copied.</summary>
    public List<byte[]> Chunks()
    {
        var chunks = new List<byte[]>();
        while (!_rest.IsEmpty) chunks.Add(Chunk().ToArray());
        return chunks;
    }

    /// <summary>Encodes chunks the way <see cref="Chunk"/> reads them, for seed inputs.</summary>
    public static byte[] Encode(params byte[][] chunks)
    {
        var output = new List<byte>();
        foreach (byte[] chunk in chunks)
        {
            output.Add((byte)(chunk.Length >> 8));
            output.Add((byte)chunk.Length);
            output.AddRange(chunk);
        }
        return output.ToArray();
    }
}
