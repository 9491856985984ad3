using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport;

/// <summary>Algorithm preferences and limits for one connection. Lists are in preference order and use wire
/// names (the same as OpenSSH's <c>Ciphers</c>, <c>MACs</c>, <c>KexAlgorithms</c>, <c>HostKeyAlgorithms</c>).</summary>
public sealed class TransportSettings
{
    public IReadOnlyList<string> KexAlgorithms { get; set; } = KexRegistry.DefaultNames;
    public IReadOnlyList<string> HostKeyAlgorithms { get; set; } = HostKeyRegistry.DefaultNames;
    public IReadOnlyList<string> Ciphers { get; set; } = CipherRegistry.DefaultNames;
    public IReadOnlyList<string> Macs { get; set; } = MacRegistry.DefaultNames;

    /// <summary>Server: the moduli file (OpenSSH's <c>moduli(5)</c> format) whose safe primes are offered in
    /// Diffie-Hellman group exchange (RFC 4419); when it is missing or has no group that fits a request, the built-in
    /// RFC 3526 groups of 2048 to 8192 bits are used. Default <c>/etc/ssh/moduli</c>.</summary>
    public string? ModuliFile { get; set; } = "/etc/ssh/moduli";

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
    /// <c>HostKeyAlgorithms=...</c>), checking every name is one we implement.</summary>
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
