namespace Ssh.Transport.Algorithms.Kex;

/// <summary>Key exchange methods in preference order (OpenSSH 10's): post-quantum hybrids first.</summary>
internal static class KexRegistry
{
    public static IReadOnlyList<KexInfo> All { get; } =
    [
        new(MlKem768X25519KeyExchange.Name, true, () => new MlKem768X25519KeyExchange()),
        new(Sntrup761X25519KeyExchange.Name, true, () => new Sntrup761X25519KeyExchange()),
        new(Sntrup761X25519KeyExchange.OpenSshName, true, () => new Sntrup761X25519KeyExchange()),
        new(Curve25519KeyExchange.Name, true, () => new Curve25519KeyExchange()),
        new(Curve25519KeyExchange.LibSshName, true, () => new Curve25519KeyExchange()),
    ];

    public static IReadOnlyList<string> DefaultNames { get; } = All.Where(k => k.IsDefault).Select(k => k.Name).ToArray();

    public static KexInfo? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>Pseudo-algorithms that signal extensions; they are never negotiated as a method.</summary>
    public const string ExtInfoClient = "ext-info-c";
    public const string ExtInfoServer = "ext-info-s";
    public const string StrictKexClient = "kex-strict-c-v00@openssh.com";
    public const string StrictKexServer = "kex-strict-s-v00@openssh.com";

    public static bool IsPseudoAlgorithm(string name) =>
        name is ExtInfoClient or ExtInfoServer or StrictKexClient or StrictKexServer;
}
