using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport;

/// <summary>Algorithm preferences and limits for one connection. Lists are in preference order and use wire
/// names (the same as OpenSSH's <c>Ciphers</c>, <c>MACs</c>, <c>KexAlgorithms</c>, <c>HostKeyAlgorithms</c>).</summary>
public sealed class TransportSettings
{
    /// <summary>Key exchange methods to offer, e.g. <c>curve25519-sha256</c>. The strict-KEX and ext-info
    /// pseudo-algorithms are added to the first KEXINIT by the library; don't list them. Set directly, names are not
    /// checked: <see cref="ApplyOption"/> checks them.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; set; } = KexRegistry.DefaultNames;

    /// <summary>Server host key (signature) algorithms, e.g. <c>ssh-ed25519</c>, <c>rsa-sha2-512</c>. A client
    /// offers them all; a server offers those it holds a host key for.</summary>
    public IReadOnlyList<string> HostKeyAlgorithms { get; set; } = HostKeyRegistry.DefaultNames;

    /// <summary>Ciphers, offered for both directions, e.g. <c>chacha20-poly1305@openssh.com</c>, <c>aes256-gcm@openssh.com</c>.</summary>
    public IReadOnlyList<string> Ciphers { get; set; } = CipherRegistry.DefaultNames;

    /// <summary>MACs, offered for both directions, e.g. <c>hmac-sha2-256-etm@openssh.com</c>. Not used with an AEAD
    /// cipher (chacha20-poly1305, AES-GCM), which authenticates packets itself.</summary>
    public IReadOnlyList<string> Macs { get; set; } = MacRegistry.DefaultNames;

    /// <summary>Start a new key exchange after this many bytes in either direction (default 1 GiB; RFC 4344 §3.2).</summary>
    public long RekeyBytesLimit { get; set; } = 1L << 30;

    /// <summary>Start a new key exchange after this much time (default 1 hour; RFC 4253 §9).</summary>
    public TimeSpan RekeyTimeLimit { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest the peer may take to send its version line (RFC 4253 §4.2) once connected, 15 s by
    /// default as paramiko's banner timeout: a peer that accepts TCP and says nothing is not waited on forever.</summary>
    public TimeSpan VersionExchangeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest the first key exchange may take after the version lines (15 s by default).</summary>
    public TimeSpan KeyExchangeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Applies an OpenSSH-style option (<c>Ciphers=a,b</c>, <c>MACs=...</c>, <c>KexAlgorithms=...</c>,
    /// <c>HostKeyAlgorithms=...</c>; the name is case-insensitive), checking every name is one we implement.</summary>
    /// <exception cref="ArgumentException">The option is not <c>Name=value,...</c>, the name is not one of the four,
    /// or a value is an algorithm this library does not implement.</exception>
    public void ApplyOption(string option)
    {
        int eq = option.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"Option '{option}' is not of the form Name=value.");
        string name = option[..eq].Trim();
        string[] values = option[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (values.Length == 0) throw new ArgumentException($"Option '{name}' has no values.");
        switch (name.ToLowerInvariant())
        {
            case "ciphers":
                Check(values, n => CipherRegistry.Find(n) is not null, "cipher");
                Ciphers = values;
                break;
            case "macs":
                Check(values, n => MacRegistry.Find(n) is not null, "MAC");
                Macs = values;
                break;
            case "kexalgorithms":
                Check(values, n => KexRegistry.Find(n) is not null, "key exchange algorithm");
                KexAlgorithms = values;
                break;
            case "hostkeyalgorithms":
                Check(values, n => HostKeyRegistry.Find(n) is not null, "host key algorithm");
                HostKeyAlgorithms = values;
                break;
            default:
                throw new ArgumentException($"Unknown option '{name}'. Known: Ciphers, MACs, KexAlgorithms, HostKeyAlgorithms.");
        }
    }

    private static void Check(string[] values, Func<string, bool> known, string what)
    {
        foreach (string v in values)
        {
            if (!known(v)) throw new ArgumentException($"Unsupported {what} '{v}'.");
        }
    }

    internal TransportSettings Clone() => (TransportSettings)MemberwiseClone();
}
