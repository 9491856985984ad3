using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;
using Ssh.Transport.Session;

namespace Ssh.Transport.KeyExchange;

/// <summary>The client's checks of what the server sent in a key exchange (RFC 4253 §8): K_S is a key of the
/// negotiated type, the server signed H with it, the user trusts it, and a rekey keeps it.</summary>
internal static class ServerHostKeyCheck
{
    public static async ValueTask VerifyAsync(SshSession session, string hostKeyAlgorithm, KexResult result)
    {
        SshPublicKey hostKey = Read(result.HostKeyBlob);
        HostKeyRegistry.HostKeyAlgorithmInfo algorithm = HostKeyRegistry.Find(hostKeyAlgorithm)!;
        if (hostKey.KeyType != algorithm.KeyType)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server sent a {hostKey.KeyType} host key, but {algorithm.Name} was negotiated.");
        // RFC 4253 §8 / RFC 8332 §3: the signature must use the negotiated algorithm, not merely one the key allows.
        string? signatureAlgorithm = SshPublicKey.SignatureAlgorithmOf(result.Signature);
        if (signatureAlgorithm != algorithm.Name)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server signed the exchange hash with '{signatureAlgorithm}', but {algorithm.Name} was negotiated.");
        if (!hostKey.Verify(result.ExchangeHash, result.Signature))
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The server's signature over the exchange hash is invalid: it does not hold the private host key it presented.");

        if (session.RemoteHostKey is null)
        {
            if (session.HostKeyVerifier is not null)
                await session.HostKeyVerifier(hostKey, session.Lifetime).ConfigureAwait(false);
            session.RemoteHostKey = hostKey;
        }
        else if (!session.RemoteHostKey.Equals(hostKey))
        {
            throw new SshProtocolException(DisconnectReason.HostKeyNotVerifiable,
                "The server presented a different host key during re-keying.");
        }
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
