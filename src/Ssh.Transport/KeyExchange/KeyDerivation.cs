using System.Security.Cryptography;

namespace Ssh.Transport.KeyExchange;

/// <summary>RFC 4253 §7.2: deriving the IVs and keys from K, H and the session identifier.</summary>
internal static class KeyDerivation
{
    /// <summary>
    /// Key = HASH(K ‖ H ‖ letter ‖ session_id), extended as K1 ‖ HASH(K ‖ H ‖ K1) ‖ ... to <paramref name="length"/>.
    /// <paramref name="encodedSharedSecret"/> is K as encoded on the wire (an mpint or a string).
    /// </summary>
    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> encodedSharedSecret, ReadOnlySpan<byte> exchangeHash,
        char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        var result = new byte[length];
        if (length == 0) return result;
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(encodedSharedSecret);
        h.AppendData(exchangeHash);
        h.AppendData([(byte)letter]);
        h.AppendData(sessionId);
        byte[] block = h.GetHashAndReset();
        int written = Math.Min(block.Length, length);
        block.AsSpan(0, written).CopyTo(result);
        while (written < length)
        {
            h.AppendData(encodedSharedSecret);
            h.AppendData(exchangeHash);
            h.AppendData(result.AsSpan(0, written));
            CryptographicOperations.ZeroMemory(block);
            block = h.GetHashAndReset();
            int n = Math.Min(block.Length, length - written);
            block.AsSpan(0, n).CopyTo(result.AsSpan(written));
            written += n;
        }
        CryptographicOperations.ZeroMemory(block);
        return result;
    }
}
