using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Keys;

namespace Ssh.Transport;

/// <summary>OpenSSH's ordering of the host key algorithms a client offers (ssh's <c>order_hostkeyalgs</c>): a server
/// picks the first algorithm of ours it can serve, so a client that knows the host by an RSA key must not ask for
/// ed25519 first and then refuse the ed25519 key it gets as unknown.</summary>
public static class HostKeyAlgorithmOrder
{
    /// <summary>The key type an algorithm needs (<c>rsa-sha2-512</c> → <c>ssh-rsa</c>,
    /// <c>rsa-sha2-256-cert-v01@openssh.com</c> → <c>ssh-rsa-cert-v01@openssh.com</c>); null for one we do not implement.</summary>
    public static string? KeyTypeOf(string algorithm) => HostKeyRegistry.Find(algorithm)?.KeyType;

    /// <summary>
    /// Reorders <paramref name="algorithms"/> for a host known by keys of <paramref name="knownKeyTypes"/> (plain
    /// types, from known_hosts): when the first algorithm's key type (a certificate's certified type counts) is known,
    /// the list stays as it is; otherwise the algorithms whose key type is known, and every certificate algorithm when
    /// a CA is on record for the host (<paramref name="certificateAuthorityKnown"/>), move to the front, each group in
    /// the list's order. With nothing known the list is unchanged.
    /// </summary>
    public static IReadOnlyList<string> ForKnownHost(IReadOnlyList<string> algorithms, IEnumerable<string> knownKeyTypes, bool certificateAuthorityKnown)
    {
        ArgumentNullException.ThrowIfNull(algorithms);
        var known = new HashSet<string>(knownKeyTypes, StringComparer.Ordinal);
        if (algorithms.Count == 0 || (known.Count == 0 && !certificateAuthorityKnown)) return algorithms;
        bool Known(string algorithm) => KeyTypeOf(algorithm) is { } type && known.Contains(SshCertificate.PlainAlgorithm(type));
        if (Known(algorithms[0])) return algorithms;
        bool Preferred(string algorithm) => Known(algorithm) || (certificateAuthorityKnown && SshCertificate.IsCertificateAlgorithm(algorithm));
        return [.. algorithms.Where(Preferred), .. algorithms.Where(a => !Preferred(a))];
    }
}
