using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>
/// Makes OpenSSH certificates, as a CA does with <c>ssh-keygen -s</c>: set what the certificate says, then
/// <see cref="Sign"/> it with the CA's private key. Defaults follow ssh-keygen's: valid forever, no principals, no
/// critical options and, for user certificates, the usual permissions (<see cref="DefaultUserExtensions"/>).
/// </summary>
public sealed class SshCertificateBuilder
{
    /// <summary>The extensions ssh-keygen gives a user certificate unless told otherwise.</summary>
    public static IReadOnlyList<string> DefaultUserExtensions { get; } =
        ["permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc"];

    /// <summary>A builder for a certificate of <paramref name="key"/>.</summary>
    /// <param name="key">The key to certify (a plain key, not a certificate).</param>
    /// <param name="type">User or host.</param>
    /// <param name="keyId">The identifier the CA gives, shown in logs.</param>
    /// <exception cref="ArgumentException"><paramref name="key"/> is a certificate.</exception>
    public SshCertificateBuilder(SshPublicKey key, SshCertificateType type, string keyId)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(keyId);
        if (key is SshCertificate) throw new ArgumentException("A certificate cannot be certified again; certify its key.", nameof(key));
        Key = key;
        Type = type;
        KeyId = keyId;
        if (type == SshCertificateType.User)
        {
            foreach (string name in DefaultUserExtensions) Extensions[name] = "";
        }
    }

    /// <summary>The key being certified.</summary>
    public SshPublicKey Key { get; }

    /// <summary>User or host.</summary>
    public SshCertificateType Type { get; }

    /// <summary>The key identifier.</summary>
    public string KeyId { get; set; }

    /// <summary>The serial number (0 by default: none).</summary>
    public ulong Serial { get; set; }

    /// <summary>The user names (or host names and patterns) the certificate is valid for; empty means any.</summary>
    public IList<string> Principals { get; } = new List<string>();

    /// <summary>The start of the validity window; null for always.</summary>
    public DateTimeOffset? ValidAfter { get; set; }

    /// <summary>The end of the validity window (exclusive); null for forever.</summary>
    public DateTimeOffset? ValidBefore { get; set; }

    /// <summary>Sets <see cref="ValidAfter"/> and <see cref="ValidBefore"/> from ssh-keygen's <c>-V</c> syntax:
    /// <c>[from:]to</c>, each a time relative to <paramref name="now"/> (<c>+52w1d</c>, <c>-5m</c>; units s, m, h, d, w),
    /// an absolute <c>YYYYMMDD[HHMM[SS]][Z]</c> (local time unless Z), <c>always</c> (from) or <c>forever</c> (to). A
    /// single time means from now until then.</summary>
    /// <exception cref="FormatException">Not that syntax.</exception>
    public SshCertificateBuilder SetValidity(string interval, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(interval);
        DateTimeOffset at = now ?? DateTimeOffset.UtcNow;
        int colon = interval.IndexOf(':');
        if (colon < 0)
        {
            ValidAfter = at;
            ValidBefore = ParseTime(interval, at, "forever");
        }
        else
        {
            ValidAfter = ParseTime(interval[..colon], at, "always");
            ValidBefore = ParseTime(interval[(colon + 1)..], at, "forever");
        }
        return this;
    }

    private static DateTimeOffset? ParseTime(string text, DateTimeOffset now, string unbounded)
    {
        if (text.Equals(unbounded, StringComparison.OrdinalIgnoreCase)) return null;
        if (OpenSshTime.TryParse(text, out DateTimeOffset absolute)) return absolute;
        if (text.Length < 2 || text[0] is not ('+' or '-'))
            throw new FormatException($"Validity '{text}' is neither [+-]TIMESPEC, YYYYMMDD[HHMM[SS]][Z] nor {unbounded}.");
        long seconds = 0, number = 0;
        bool digits = false;
        foreach (char c in text[1..])
        {
            if (char.IsAsciiDigit(c))
            {
                number = checked(number * 10 + (c - '0'));
                digits = true;
                continue;
            }
            long unit = char.ToLowerInvariant(c) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, 'w' => 604800, _ => 0 };
            if (unit == 0 || !digits) throw new FormatException($"Validity '{text}' is not a time like +52w1d or -5m.");
            seconds = checked(seconds + number * unit);
            (number, digits) = (0, false);
        }
        seconds = checked(seconds + number);
        return now.AddSeconds(text[0] == '+' ? seconds : -seconds);
    }

    /// <summary>Critical options by name with their text (<c>force-command</c>, <c>source-address</c>); an empty text
    /// writes a flag.</summary>
    public IDictionary<string, string> CriticalOptions { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Extensions by name; an empty text (every extension OpenSSH defines) writes a flag.</summary>
    public IDictionary<string, string> Extensions { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Signs the certificate with the CA's key and returns it.</summary>
    /// <param name="ca">The CA's private key (not a certified key).</param>
    /// <param name="signatureAlgorithm">The CA's signature algorithm; null for its default (<c>rsa-sha2-512</c> for
    /// RSA, as ssh-keygen).</param>
    /// <exception cref="ArgumentException">The CA key is a certificate, the validity window is empty, a principal is
    /// empty, there are more than <see cref="SshCertificate.MaxPrincipals"/>, or <c>source-address</c> is not a CIDR list.</exception>
    /// <exception cref="NotSupportedException">The CA key cannot sign with <paramref name="signatureAlgorithm"/>.</exception>
    public SshCertificate Sign(SshPrivateKey ca, string? signatureAlgorithm = null)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (ca.PublicKey is SshCertificate) throw new ArgumentException("The CA key must be a plain key, not a certificate.", nameof(ca));
        if (Principals.Any(p => p.Length == 0)) throw new ArgumentException("A principal is empty.");
        if (Principals.Count > SshCertificate.MaxPrincipals) throw new ArgumentException($"More than {SshCertificate.MaxPrincipals} principals.");
        ulong after = ValidAfter is { } a ? (ulong)Math.Max(0, a.ToUnixTimeSeconds()) : 0;
        ulong before = ValidBefore is { } b ? (ulong)Math.Max(0, b.ToUnixTimeSeconds()) : SshCertificate.Forever;
        if (after >= before) throw new ArgumentException("The validity window is empty: ValidAfter must come before ValidBefore.");
        if (CriticalOptions.TryGetValue("source-address", out string? source) && !AddressPattern.IsValidCidrList(source))
            throw new ArgumentException($"source-address '{source}' is not a list of addresses and CIDR blocks.");
        signatureAlgorithm ??= ca.PublicKey.SignatureAlgorithms[0];
        if (!ca.PublicKey.SignatureAlgorithms.Contains(signatureAlgorithm))
            throw new NotSupportedException($"A {ca.PublicKey.KeyType} CA key cannot sign certificates with '{signatureAlgorithm}'.");

        byte[] tbs = SshCertificate.Encode(Key, RandomNumberGenerator.GetBytes(32), Serial, Type, KeyId, Principals, after, before,
            ToOptions(CriticalOptions), ToOptions(Extensions), ca.PublicKey);
        byte[] signature = ca.Sign(tbs, signatureAlgorithm);
        byte[] blob = new SshBuffer(tbs.Length + signature.Length + 8).WriteBytes(tbs).WriteString(signature).ToArray();
        return (SshCertificate)SshPublicKey.FromBlob(blob);
    }

    private static IEnumerable<SshCertificateOption> ToOptions(IDictionary<string, string> options) =>
        options.Select(o => new SshCertificateOption(o.Key, o.Value.Length == 0 ? ReadOnlyMemory<byte>.Empty : new SshBuffer().WriteString(o.Value).ToArray()));
}
