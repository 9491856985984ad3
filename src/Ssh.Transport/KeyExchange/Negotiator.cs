using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Messages;

namespace Ssh.Transport.KeyExchange;

/// <summary>Algorithm negotiation, exactly RFC 4253 §7.1: for each category the first algorithm on the client's
/// list that is also on the server's list. A pure function.</summary>
internal static class Negotiator
{
    /// <summary>The algorithms both sides will use.</summary>
    /// <param name="client">The client's KEXINIT.</param>
    /// <param name="server">The server's KEXINIT.</param>
    /// <param name="isAead">Tells whether a cipher brings its own integrity (then no MAC is negotiated).</param>
    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server, Func<string, bool> isAead)
    {
        string kex = Choose("key exchange", client.KexAlgorithms.Where(n => !KexRegistry.IsPseudoAlgorithm(n)), server.KexAlgorithms);
        string hostKey = Choose("host key", client.ServerHostKeyAlgorithms, server.ServerHostKeyAlgorithms);
        string cipherCs = Choose("client-to-server cipher", client.CiphersClientToServer, server.CiphersClientToServer);
        string cipherSc = Choose("server-to-client cipher", client.CiphersServerToClient, server.CiphersServerToClient);
        // RFC 5647 §5.1 as OpenSSH applies it: an AEAD cipher's own tag replaces the MAC, whatever the MAC lists say.
        string? macCs = isAead(cipherCs) ? null : Choose("client-to-server MAC", client.MacsClientToServer, server.MacsClientToServer);
        string? macSc = isAead(cipherSc) ? null : Choose("server-to-client MAC", client.MacsServerToClient, server.MacsServerToClient);
        string compCs = Choose("client-to-server compression", client.CompressionClientToServer, server.CompressionClientToServer);
        string compSc = Choose("server-to-client compression", client.CompressionServerToClient, server.CompressionServerToClient);
        return new NegotiatedAlgorithms(kex, hostKey, cipherCs, cipherSc, macCs, macSc, compCs, compSc);
    }

    /// <summary>RFC 4253 §7.1: a guessed first KEX packet is right only when both the key exchange and host key
    /// algorithms are each side's first choice.</summary>
    public static bool GuessWasRight(KexInitMessage client, KexInitMessage server)
    {
        string? clientKex = client.KexAlgorithms.FirstOrDefault(n => !KexRegistry.IsPseudoAlgorithm(n));
        string? serverKex = server.KexAlgorithms.FirstOrDefault(n => !KexRegistry.IsPseudoAlgorithm(n));
        return clientKex == serverKex
            && client.ServerHostKeyAlgorithms.FirstOrDefault() == server.ServerHostKeyAlgorithms.FirstOrDefault();
    }

    private static string Choose(string category, IEnumerable<string> clientList, string[] serverList)
    {
        foreach (string name in clientList)
        {
            if (Array.IndexOf(serverList, name) >= 0) return name;
        }
        throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
            $"No {category} algorithm in common (RFC 4253 §7.1). The client offered: {string.Join(",", clientList)}; " +
            $"the server offered: {string.Join(",", serverList)}.");
    }
}
