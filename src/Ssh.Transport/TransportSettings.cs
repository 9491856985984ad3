using Microsoft.Extensions.Logging;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Compression;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport;

/// <summary>Algorithm preferences and limits for one connection. Lists are in preference order and use wire
/// names (the same as OpenSSH's <c>KexAlgorithms</c>, <c>HostKeyAlgorithms</c>, <c>Ciphers</c>, <c>MACs</c>,
/// <c>PubkeyAcceptedAlgorithms</c> and <c>Compression</c>). They start as the <see cref="AlgorithmProfile.Modern"/>
/// profile; <see cref="Profile"/>, <see cref="DisableAlgorithms"/> (paramiko's <c>disabled_algorithms</c>) and
/// <see cref="ApplyOption"/> (OpenSSH's <c>-o</c> with its <c>+</c>, <c>-</c> and <c>^</c> list edits) change them.</summary>
public sealed class TransportSettings
{
    private AlgorithmProfile _profile = AlgorithmProfile.Modern;

    /// <summary>Key exchange methods to offer, e.g. <c>mlkem768x25519-sha256</c>, <c>curve25519-sha256</c>. The
    /// strict-KEX and ext-info pseudo-algorithms are added to the first KEXINIT by the library; don't list them. Set
    /// directly, names are not checked: <see cref="ApplyOption"/> checks them.</summary>
    public IReadOnlyList<string> KexAlgorithms { get; set; } = KexRegistry.DefaultNames;

    /// <summary>Server host key (signature) algorithms, e.g. <c>ssh-ed25519</c>, <c>rsa-sha2-512</c>. A client
    /// offers them all; a server offers those it holds a host key for.</summary>
    public IReadOnlyList<string> HostKeyAlgorithms { get; set; } = HostKeyRegistry.DefaultNames;

    /// <summary>Ciphers, offered for both directions, e.g. <c>chacha20-poly1305@openssh.com</c>, <c>aes256-gcm@openssh.com</c>.</summary>
    public IReadOnlyList<string> Ciphers { get; set; } = CipherRegistry.DefaultNames;

    /// <summary>MACs, offered for both directions, e.g. <c>hmac-sha2-256-etm@openssh.com</c>. Not used with an AEAD
    /// cipher (chacha20-poly1305, AES-GCM), which authenticates packets itself.</summary>
    public IReadOnlyList<string> Macs { get; set; } = MacRegistry.DefaultNames;

    /// <summary>Signature algorithms for public key authentication (OpenSSH's <c>PubkeyAcceptedAlgorithms</c>):
    /// what the client signs with. SHA-1 <c>ssh-rsa</c> only when listed here (for servers that cannot do
    /// rsa-sha2); without the server's <c>server-sig-algs</c> an RSA key then signs with it, as OpenSSH does.</summary>
    public IReadOnlyList<string> PublicKeyAlgorithms { get; set; } = HostKeyRegistry.DefaultNames;

    /// <summary>Compression methods (RFC 4253 §6.2): <c>none</c> only by default, as in OpenSSH.
    /// <see cref="UseCompression"/> turns zlib on the way <c>ssh -C</c> (client) or sshd (server) does.</summary>
    public IReadOnlyList<string> Compression { get; set; } = CompressionRegistry.Off;

    /// <summary>The named set the algorithm lists were last reset to. Setting it replaces all of them (less any later
    /// edits) with what the profile offers, in our preference order.</summary>
    public AlgorithmProfile Profile
    {
        get => _profile;
        set
        {
            _profile = value;
            KexAlgorithms = KexRegistry.All.Where(a => a.Profile <= value).Select(a => a.Name).ToArray();
            HostKeyAlgorithms = HostKeyRegistry.All.Where(a => a.Profile <= value).Select(a => a.Name).ToArray();
            Ciphers = CipherRegistry.All.Where(a => a.Profile <= value).Select(a => a.Name).ToArray();
            Macs = MacRegistry.All.Where(a => a.Profile <= value).Select(a => a.Name).ToArray();
            PublicKeyAlgorithms = HostKeyAlgorithms;
        }
    }

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

    /// <summary>Where the connection's diagnostics go: the version exchange, the KEXINIT offers and what was negotiated,
    /// the server's host key fingerprint, each authentication method tried and its result, channel opens and closes,
    /// re-keying and why the connection ended, as structured events under the categories <c>Ssh.Transport</c>,
    /// <c>Ssh.Auth</c>, <c>Ssh.Channels</c>, <c>Ssh.Client</c> and <c>Ssh.Server</c> (Information for what an
    /// operator wants by default, Debug for what <c>ssh -v</c> shows, Trace for the KEXINIT proposals and channel
    /// requests). Never a password, a private key, a session key or channel data. Null (the default) logs nothing and
    /// costs nothing; nothing is logged per packet, so even a logger that is on leaves the data path alone.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Turns compression on or off (paramiko's <c>use_compression</c>). On, a client asks for
    /// <c>zlib@openssh.com,zlib,none</c> (as <c>ssh -C</c>); a server offers <c>none,zlib@openssh.com,zlib</c> and
    /// lets the client decide (as sshd).</summary>
    public void UseCompression(bool compress = true, bool asServer = false) =>
        Compression = !compress ? CompressionRegistry.Off : asServer ? CompressionRegistry.ServerOffered : CompressionRegistry.ClientPreferred;

    /// <summary>paramiko's <c>disabled_algorithms</c>: removes names from the lists by category — <c>kex</c>,
    /// <c>keys</c> (host key algorithms), <c>ciphers</c>, <c>macs</c>, <c>pubkeys</c> (public key authentication)
    /// and <c>compression</c>. Names may be OpenSSH patterns (<c>*-cbc</c>, <c>hmac-sha1*</c>).</summary>
    /// <exception cref="ArgumentException">An unknown category, or a list left empty.</exception>
    public void DisableAlgorithms(IReadOnlyDictionary<string, IEnumerable<string>> disabledAlgorithms)
    {
        ArgumentNullException.ThrowIfNull(disabledAlgorithms);
        foreach (var (category, names) in disabledAlgorithms)
        {
            string[] patterns = names.ToArray();
            IReadOnlyList<string> Without(IReadOnlyList<string> list, string what)
            {
                string[] kept = list.Where(n => !patterns.Any(p => SshPattern.Matches(p, n))).ToArray();
                return kept.Length > 0 ? kept : throw new ArgumentException($"Disabling {string.Join(",", patterns)} leaves no {what}.");
            }
            switch (category)
            {
                case "kex": KexAlgorithms = Without(KexAlgorithms, "key exchange algorithm"); break;
                case "keys": HostKeyAlgorithms = Without(HostKeyAlgorithms, "host key algorithm"); break;
                case "ciphers": Ciphers = Without(Ciphers, "cipher"); break;
                case "macs": Macs = Without(Macs, "MAC"); break;
                case "pubkeys": PublicKeyAlgorithms = Without(PublicKeyAlgorithms, "public key algorithm"); break;
                case "compression": Compression = Without(Compression, "compression method"); break;
                default:
                    throw new ArgumentException($"Unknown algorithm category '{category}'. Known: kex, keys, ciphers, macs, pubkeys, compression.");
            }
        }
    }

    /// <summary>Applies an OpenSSH-style option: <c>KexAlgorithms</c>, <c>HostKeyAlgorithms</c>, <c>Ciphers</c>,
    /// <c>MACs</c>, <c>PubkeyAcceptedAlgorithms</c> take a list, or a list edit as in ssh_config(5): <c>+a,b</c>
    /// appends to the default list, <c>-a,b</c> removes (patterns allowed), <c>^a,b</c> puts first. Every name must be
    /// one we implement. <c>Compression=yes|no</c>; <c>Profile=Modern|Compatible|Legacy</c> resets every list. The
    /// option name is case-insensitive.</summary>
    /// <exception cref="ArgumentException">The option is not <c>Name=value</c>, the name is unknown, a value is an
    /// algorithm this library does not implement, or a removal leaves a list empty.</exception>
    public void ApplyOption(string option)
    {
        int eq = option.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"Option '{option}' is not of the form Name=value.");
        string name = option[..eq].Trim();
        string value = option[(eq + 1)..].Trim();
        if (value.Length == 0) throw new ArgumentException($"Option '{name}' has no value.");
        switch (name.ToLowerInvariant())
        {
            case "ciphers":
                Ciphers = Edit(value, Ciphers, CipherRegistry.DefaultNames, CipherRegistry.All.Select(c => c.Name), "cipher");
                break;
            case "macs":
                Macs = Edit(value, Macs, MacRegistry.DefaultNames, MacRegistry.All.Select(c => c.Name), "MAC");
                break;
            case "kexalgorithms":
                KexAlgorithms = Edit(value, KexAlgorithms, KexRegistry.DefaultNames, KexRegistry.All.Select(c => c.Name), "key exchange algorithm");
                break;
            case "hostkeyalgorithms":
                HostKeyAlgorithms = Edit(value, HostKeyAlgorithms, HostKeyRegistry.DefaultNames, HostKeyRegistry.All.Select(c => c.Name), "host key algorithm");
                break;
            case "pubkeyacceptedalgorithms" or "pubkeyacceptedkeytypes":
                PublicKeyAlgorithms = Edit(value, PublicKeyAlgorithms, HostKeyRegistry.DefaultNames, HostKeyRegistry.All.Select(c => c.Name), "public key algorithm");
                break;
            case "compression":
                Compression = value.ToLowerInvariant() switch
                {
                    "yes" or "delayed" => Compression.SequenceEqual(CompressionRegistry.ServerOffered) ? Compression : CompressionRegistry.ClientPreferred,
                    "no" => CompressionRegistry.Off,
                    _ => Edit(value, Compression, CompressionRegistry.Off, CompressionRegistry.ClientPreferred, "compression method"),
                };
                break;
            case "profile":
                Profile = Enum.TryParse(value, ignoreCase: true, out AlgorithmProfile profile) && Enum.IsDefined(profile)
                    ? profile : throw new ArgumentException($"Unknown profile '{value}'. Known: Modern, Compatible, Legacy.");
                break;
            default:
                throw new ArgumentException($"Unknown option '{name}'. Known: KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs, " +
                    "PubkeyAcceptedAlgorithms, Compression, Profile.");
        }
    }

    /// <summary>ssh_config(5) list semantics: a plain list replaces; <c>+</c> appends to the default list what it
    /// lacks; <c>-</c> removes from the current list every name a pattern matches; <c>^</c> puts the names first.</summary>
    private static string[] Edit(string value, IReadOnlyList<string> current, IReadOnlyList<string> defaults, IEnumerable<string> known, string what)
    {
        char edit = value[0] is '+' or '-' or '^' ? value[0] : '\0';
        string[] names = (edit == '\0' ? value : value[1..]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new ArgumentException($"No {what} names in '{value}'.");
        string[] all = known.ToArray();
        if (edit == '-')
        {
            string[] kept = current.Where(n => !names.Any(p => SshPattern.Matches(p, n))).ToArray();
            return kept.Length > 0 ? kept : throw new ArgumentException($"Removing {string.Join(",", names)} leaves no {what}.");
        }
        foreach (string n in names)
        {
            if (!all.Contains(n)) throw new ArgumentException($"Unsupported {what} '{n}'. Supported: {string.Join(",", all)}.");
        }
        return edit switch
        {
            '+' => [.. defaults, .. names.Where(n => !defaults.Contains(n))],
            '^' => [.. names, .. current.Where(n => !names.Contains(n))],
            _ => names.Distinct().ToArray(),
        };
    }

    /// <summary>A copy to change without touching this one (the lists are immutable, so they are shared).</summary>
    public TransportSettings Clone() => (TransportSettings)MemberwiseClone();
}
