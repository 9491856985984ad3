using System.Security.Cryptography;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport.KeyExchange;

/// <summary>RFC 4253 §7.2: deriving the IVs and keys from K, H and the session identifier.</summary>
internal static class KeyDerivation
{
    /// <summary>Tests only: sees a copy of K and of every IV and key derived, to prove that none of them reaches a
    /// log. Null in production, where nothing is copied.</summary>
    internal static Action<byte[]>? KeyMaterialObserver;

    /// <summary>The negotiated ciphers of both directions, keyed with letters A–F. The ciphers and MACs copy what
    /// they keep, so the derived bytes are wiped here.</summary>
    public static (IPacketCipher ClientToServer, IPacketCipher ServerToClient) CreateCiphers(HashAlgorithmName hash,
        byte[] encodedSharedSecret, byte[] exchangeHash, byte[] sessionId, NegotiatedAlgorithms n)
    {
        KeyMaterialObserver?.Invoke(encodedSharedSecret.ToArray());
        IPacketCipher clientToServer = CreateCipher(n.CipherClientToServer, n.MacClientToServer, 'A', 'C', 'E');
        try
        {
            return (clientToServer, CreateCipher(n.CipherServerToClient, n.MacServerToClient, 'B', 'D', 'F'));
        }
        catch
        {
            clientToServer.Dispose();
            throw;
        }

        IPacketCipher CreateCipher(string cipherName, string? macName, char ivLetter, char keyLetter, char macLetter)
        {
            CipherInfo cipher = CipherRegistry.Find(cipherName)!;
            byte[] iv = Derive(hash, encodedSharedSecret, exchangeHash, ivLetter, sessionId, cipher.IvSize);
            byte[] key = Derive(hash, encodedSharedSecret, exchangeHash, keyLetter, sessionId, cipher.KeySize);
            byte[]? macKey = null;
            try
            {
                if (KeyMaterialObserver is { } observe)
                {
                    observe(iv.ToArray());
                    observe(key.ToArray());
                }
                IMac? mac = null;
                if (!cipher.IsAead)
                {
                    MacInfo macInfo = MacRegistry.Find(macName!)!;
                    macKey = Derive(hash, encodedSharedSecret, exchangeHash, macLetter, sessionId, macInfo.KeySize);
                    KeyMaterialObserver?.Invoke(macKey.ToArray());
                    mac = macInfo.Create(macKey);
                }
                return cipher.Create(key, iv, mac);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(iv);
                CryptographicOperations.ZeroMemory(key);
                CryptographicOperations.ZeroMemory(macKey);
            }
        }
    }

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
