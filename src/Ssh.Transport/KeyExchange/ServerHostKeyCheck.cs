using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;

namespace Ssh.Transport.KeyExchange;

/// <summary>The client's checks of what the server sent in a key exchange (RFC 4253 §8): K_S is a key of the
/// negotiated type and the server signed H with it, using the negotiated algorithm. Whether the user trusts the
/// key is the session's question.</summary>
internal static class ServerHostKeyCheck
{
    /// <summary>Returns K_S once it has proved itself; raises an <see cref="SshProtocolException"/> (key exchange
    /// failed) otherwise.</summary>
    public static SshPublicKey Verify(string hostKeyAlgorithm, KexResult result)
    {
        SshPublicKey hostKey = Read(result.HostKeyBlob);
        HostKeyRegistry.HostKeyAlgorithmInfo algorithm = HostKeyRegistry.Find(hostKeyAlgorithm)!;
        if (hostKey.KeyType != algorithm.KeyType)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server sent a {hostKey.KeyType} host key, but {algorithm.Name} was negotiated (RFC 4253 §7.1).");
        // RFC 4253 §8 / RFC 8332 §3: the signature must use the negotiated algorithm, not merely one the key allows;
        // a certificate's signature carries the plain algorithm behind the certificate one (PROTOCOL.certkeys).
        string? signatureAlgorithm = SshPublicKey.SignatureAlgorithmOf(result.Signature);
        if (signatureAlgorithm != SshCertificate.PlainAlgorithm(algorithm.Name))
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server signed the exchange hash with '{signatureAlgorithm}', but {algorithm.Name} was negotiated (RFC 8332 §3).");
        if (!hostKey.Verify(result.ExchangeHash, result.Signature))
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The server's signature over the exchange hash is invalid: it does not hold the private host key it presented (RFC 4253 §8).");
        return hostKey;
    }

    private static SshPublicKey Read(byte[] blob)
    {
        try
        {
            return SshPublicKey.FromBlob(blob);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "The server's host key cannot be read: " + e.Message);
        }
    }
}
