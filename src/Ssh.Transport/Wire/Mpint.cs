namespace Ssh.Transport.Wire;

/// <summary>The mpint encoding of RFC 4251 §5, shared by <see cref="SshWriter"/> and <see cref="SshBuffer"/>.</summary>
internal static class Mpint
{
    /// <summary>Strips leading zeros from an unsigned big-endian value and says whether a zero byte must precede
    /// it (top bit set: without it the value would read as negative).</summary>
    public static ReadOnlySpan<byte> Magnitude(ReadOnlySpan<byte> unsignedBigEndian, out bool needsZeroPrefix)
    {
        int start = 0;
        while (start < unsignedBigEndian.Length && unsignedBigEndian[start] == 0) start++;
        ReadOnlySpan<byte> magnitude = unsignedBigEndian[start..];
        needsZeroPrefix = !magnitude.IsEmpty && (magnitude[0] & 0x80) != 0;
        return magnitude;
    }

    /// <summary>The whole mpint (uint32 length ‖ bytes) of an unsigned big-endian value, in a new array: how K enters
    /// the exchange hash and key derivation for (EC)DH.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> unsignedBigEndian)
    {
        ReadOnlySpan<byte> magnitude = Magnitude(unsignedBigEndian, out bool pad);
        var encoded = new byte[4 + (pad ? 1 : 0) + magnitude.Length];
        var w = new SshWriter(encoded);
        w.WriteMpint(unsignedBigEndian);
        return encoded;
    }
}
