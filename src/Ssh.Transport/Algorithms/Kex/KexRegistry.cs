using System.Security.Cryptography;
using static Ssh.Transport.AlgorithmProfile;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>Key exchange methods in preference order (OpenSSH 10's): post-quantum hybrids first, SHA-1 last and off
/// by default.</summary>
internal static class KexRegistry
{
    public static IReadOnlyList<KexInfo> All { get; } =
    [
        new(MlKem768X25519KeyExchange.Name, Modern, _ => new MlKem768X25519KeyExchange()),
        new(Sntrup761X25519KeyExchange.Name, Modern, _ => new Sntrup761X25519KeyExchange()),
        new(Sntrup761X25519KeyExchange.OpenSshName, Modern, _ => new Sntrup761X25519KeyExchange()),
        new(Curve25519KeyExchange.Name, Modern, _ => new Curve25519KeyExchange()),
        new(Curve25519KeyExchange.LibSshName, Modern, _ => new Curve25519KeyExchange()),
        new("ecdh-sha2-nistp256", Modern, _ => NistEcdhKeyExchange.P256()),
        new("ecdh-sha2-nistp384", Modern, _ => NistEcdhKeyExchange.P384()),
        new("ecdh-sha2-nistp521", Modern, _ => NistEcdhKeyExchange.P521()),
        new("diffie-hellman-group-exchange-sha256", Modern, s => GroupExchange(s, HashAlgorithmName.SHA256)),
        new("diffie-hellman-group16-sha512", Modern, _ => new DiffieHellmanKeyExchange(DhGroups.Modp4096, HashAlgorithmName.SHA512)),
        new("diffie-hellman-group18-sha512", Modern, _ => new DiffieHellmanKeyExchange(DhGroups.Modp8192, HashAlgorithmName.SHA512)),
        new("diffie-hellman-group14-sha256", Modern, _ => new DiffieHellmanKeyExchange(DhGroups.Modp2048, HashAlgorithmName.SHA256)),
        new("diffie-hellman-group14-sha1", Compatible, _ => new DiffieHellmanKeyExchange(DhGroups.Modp2048, HashAlgorithmName.SHA1)),
        new("diffie-hellman-group-exchange-sha1", Compatible, s => GroupExchange(s, HashAlgorithmName.SHA1)),
        new("diffie-hellman-group1-sha1", Legacy, _ => new DiffieHellmanKeyExchange(DhGroups.Oakley2, HashAlgorithmName.SHA1)),
    ];

    public static IReadOnlyList<string> DefaultNames { get; } = All.Where(k => k.IsDefault).Select(k => k.Name).ToArray();

    public static KexInfo? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    private static DhGroupExchange GroupExchange(TransportSettings settings, HashAlgorithmName hash) =>
        new(hash, (min, n, max) => DhModuli.ChooseFor(settings.ModuliFile, min, n, max));

    /// <summary>Pseudo-algorithms that signal extensions; they are never negotiated as a method.</summary>
    public const string ExtInfoClient = "ext-info-c";
    public const string ExtInfoServer = "ext-info-s";
    public const string StrictKexClient = "kex-strict-c-v00@openssh.com";
    public const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    public static bool IsPseudoAlgorithm(string name) =>
        name is ExtInfoClient or ExtInfoServer or StrictKexClient or StrictKexServer;
}
