using System.Net;
using System.Text;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>What an OpenSSH certificate identifies (PROTOCOL.certkeys <c>SSH_CERT_TYPE_*</c>).</summary>
public enum SshCertificateType
{
    /// <summary>A user certificate: its principals are user names.</summary>
    User = 1,

    /// <summary>A host certificate: its principals are host names (patterns allowed).</summary>
    Host = 2,
}

/// <summary>One critical option or extension of a certificate: a name and its data (PROTOCOL.certkeys "Critical
/// options" and "Extensions").</summary>
public sealed class SshCertificateOption
{
    /// <summary>An option with the given raw data.</summary>
    public SshCertificateOption(string name, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Data = data;
        if (data.IsEmpty) return;
        try
        {
            var reader = new SshReader(data.Span);
            string value = reader.ReadString();
            if (reader.AtEnd) Value = value;
        }
        catch (SshProtocolException)
        {
            // Not one string: only the raw data is there.
        }
    }

    /// <summary>The option's name, e.g. <c>force-command</c> or <c>permit-pty</c>.</summary>
    public string Name { get; }

    /// <summary>The option's data as encoded in the certificate: empty for the flags (every extension OpenSSH
    /// defines), one <c>string</c> for <c>force-command</c> and <c>source-address</c>.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The text of an option whose data is one string (<c>force-command</c>, <c>source-address</c>); null
    /// for a flag or for data of another shape.</summary>
    public string? Value { get; }

    /// <summary><c>name</c> for a flag, <c>name value</c> otherwise, as <c>ssh-keygen -L</c> lists them.</summary>
    public override string ToString() => Value is null ? Name : $"{Name} {Value}";
}

/// <summary>
/// An OpenSSH certificate (PROTOCOL.certkeys): a public key signed by a certificate authority together with what it
/// is valid for (user or host, principals, a validity window, critical options and extensions). It is a public key
/// of its own type (<c>ssh-ed25519-cert-v01@openssh.com</c>, <c>ecdsa-sha2-nistp256-cert-v01@openssh.com</c>,
/// <c>ssh-rsa-cert-v01@openssh.com</c>, ...), presented in place of the plain key, whose signatures it verifies. A
/// certificate is only ever constructed with a valid CA signature: <see cref="SshPublicKey.FromBlob"/> checks it, as
/// OpenSSH does when it reads one. Whether it is valid for a purpose is <see cref="Validate"/>'s question.
/// </summary>
public sealed class SshCertificate : SshPublicKey
{
    /// <summary>The suffix of every certificate key type and signature algorithm name.</summary>
    public const string TypeSuffix = "-cert-v01@openssh.com";

    /// <summary>The most principals a certificate may list (OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS).</summary>
    public const int MaxPrincipals = 256;

    /// <summary><c>valid before</c> of a certificate that never expires (ssh-keygen's "forever").</summary>
    public const ulong Forever = ulong.MaxValue;

    /// <summary>The critical options OpenSSH defines for user certificates; any other makes one invalid.</summary>
    public static IReadOnlyList<string> KnownCriticalOptions { get; } = ["force-command", "source-address"];

    private readonly byte[] _blob;

    private SshCertificate(byte[] blob, SshPublicKey key, byte[] nonce, ulong serial, SshCertificateType type, string keyId,
        string[] principals, ulong validAfter, ulong validBefore, SshCertificateOption[] criticalOptions,
        SshCertificateOption[] extensions, SshPublicKey signatureKey, string signatureAlgorithm)
    {
        _blob = blob;
        Key = key;
        Nonce = nonce;
        Serial = serial;
        CertificateType = type;
        KeyId = keyId;
        ValidPrincipals = principals;
        ValidAfterSeconds = validAfter;
        ValidBeforeSeconds = validBefore;
        CriticalOptions = criticalOptions;
        Extensions = extensions;
        SignatureKey = signatureKey;
        SignatureAlgorithm = signatureAlgorithm;
    }

    /// <inheritdoc/>
    public override string KeyType => Key.KeyType + TypeSuffix;

    /// <inheritdoc/>
    public override int KeySizeInBits => Key.KeySizeInBits;

    /// <summary>The certified key, whose private half signs in the certificate's name.</summary>
    public SshPublicKey Key { get; }

    /// <summary>The CA's random nonce.</summary>
    public ReadOnlyMemory<byte> Nonce { get; }

    /// <summary>The serial number the CA gave (0 when it numbers none).</summary>
    public ulong Serial { get; }

    /// <summary>User or host.</summary>
    public SshCertificateType CertificateType { get; }

    /// <summary>The key identifier the CA wrote, for logs.</summary>
    public string KeyId { get; }

    /// <summary>The user or host names it is valid for; empty means any (which a user certificate is never accepted
    /// with by default).</summary>
    public IReadOnlyList<string> ValidPrincipals { get; }

    /// <summary>The start of the validity window, in seconds since 1970 (0: always).</summary>
    public ulong ValidAfterSeconds { get; }

    /// <summary>The end of the validity window (exclusive), in seconds since 1970 (<see cref="Forever"/>: never).</summary>
    public ulong ValidBeforeSeconds { get; }

    /// <summary><see cref="ValidAfterSeconds"/> as a time.</summary>
    public DateTimeOffset ValidAfter => ToTime(ValidAfterSeconds);

    /// <summary><see cref="ValidBeforeSeconds"/> as a time; <see cref="DateTimeOffset.MaxValue"/> for forever.</summary>
    public DateTimeOffset ValidBefore => ToTime(ValidBeforeSeconds);

    /// <summary>Options that restrict use; an unknown one makes the certificate invalid.</summary>
    public IReadOnlyList<SshCertificateOption> CriticalOptions { get; }

    /// <summary>Extensions that grant features (<c>permit-pty</c>, <c>permit-port-forwarding</c>, ...); unknown ones
    /// are ignored.</summary>
    public IReadOnlyList<SshCertificateOption> Extensions { get; }

    /// <summary>The CA key that signed the certificate.</summary>
    public SshPublicKey SignatureKey { get; }

    /// <summary>The algorithm of the CA's signature, e.g. <c>ssh-ed25519</c> or <c>rsa-sha2-512</c>.</summary>
    public string SignatureAlgorithm { get; }

    /// <summary>The <c>force-command</c> critical option: the command that runs instead of any the user asks for;
    /// null when absent.</summary>
    public string? ForceCommand => FindOption(CriticalOptions, "force-command")?.Value;

    /// <summary>The <c>source-address</c> critical option: the CIDR list the certificate is accepted from; null
    /// when absent (from anywhere).</summary>
    public string? SourceAddress => FindOption(CriticalOptions, "source-address")?.Value;

    /// <summary>True when the certificate carries the extension <paramref name="name"/> (e.g. <c>permit-pty</c>).</summary>
    public bool HasExtension(string name) => FindOption(Extensions, name) is not null;

    /// <summary>The signature algorithms for presenting this certificate (<c>rsa-sha2-512-cert-v01@openssh.com</c>,
    /// ...): the certified key's, each with <see cref="TypeSuffix"/>. Signatures themselves carry the plain name.</summary>
    public override IReadOnlyList<string> SignatureAlgorithms => Key.SignatureAlgorithms.Select(a => a + TypeSuffix).ToArray();

    /// <inheritdoc/>
    public override byte[] GetBlob() => (byte[])_blob.Clone();

    /// <summary>Verifies a signature of the certified key (its blob names the plain algorithm, PROTOCOL.certkeys).</summary>
    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob) => Key.Verify(data, signatureBlob);

    /// <summary>OpenSSH fingerprints a certificate by its certified key, so <c>ssh-keygen -l</c> agrees.</summary>
    internal override byte[] FingerprintBlob() => Key.GetBlob();

    /// <summary>The plain signature algorithm behind a certificate one (<c>rsa-sha2-512-cert-v01@openssh.com</c> →
    /// <c>rsa-sha2-512</c>); any other name unchanged.</summary>
    public static string PlainAlgorithm(string algorithm) =>
        algorithm.EndsWith(TypeSuffix, StringComparison.Ordinal) ? algorithm[..^TypeSuffix.Length] : algorithm;

    /// <summary>True for a certificate key type or signature algorithm name.</summary>
    public static bool IsCertificateAlgorithm(string algorithm) => algorithm.EndsWith(TypeSuffix, StringComparison.Ordinal);

    /// <summary>
    /// Whether the certificate may be used now as <paramref name="expectedType"/> for <paramref name="principal"/>,
    /// the checks of OpenSSH's <c>sshkey_cert_check_authority</c>: the type, the validity window, the principal, and
    /// the critical options (a host certificate may have none; a user certificate only those this library enforces,
    /// <see cref="KnownCriticalOptions"/>, with <c>source-address</c> checked against <paramref name="clientAddress"/>).
    /// Whether the CA is trusted is the caller's question (<see cref="SignatureKey"/>).
    /// </summary>
    /// <param name="expectedType">User or host.</param>
    /// <param name="principal">The user name or host name; null to skip the principal check.</param>
    /// <param name="reason">Why the certificate is not valid, in OpenSSH's words; null when it is.</param>
    /// <param name="clientAddress">Where a user certificate is presented from, for <c>source-address</c>; with the
    /// option present and no address, the certificate is refused.</param>
    /// <param name="now">The time to check against; now when null.</param>
    /// <param name="wildcardPrincipals">Whether the principals are patterns (<c>*.example.org</c>), as OpenSSH allows
    /// for host certificates; true by default for hosts.</param>
    /// <returns>True when valid.</returns>
    public bool Validate(SshCertificateType expectedType, string? principal, out string? reason, IPAddress? clientAddress = null,
        DateTimeOffset? now = null, bool? wildcardPrincipals = null)
    {
        reason = Check(expectedType, principal, clientAddress, now ?? DateTimeOffset.UtcNow, wildcardPrincipals ?? expectedType == SshCertificateType.Host);
        return reason is null;
    }

    private string? Check(SshCertificateType expectedType, string? principal, IPAddress? clientAddress, DateTimeOffset now, bool wildcards)
    {
        if (CertificateType != expectedType)
            return $"Certificate invalid: not a {(expectedType == SshCertificateType.Host ? "host" : "user")} certificate";
        long seconds = now.ToUnixTimeSeconds();
        if (seconds < 0 || (ulong)seconds < ValidAfterSeconds) return "Certificate invalid: not yet valid";
        if ((ulong)seconds >= ValidBeforeSeconds) return "Certificate invalid: expired";
        if (principal is not null)
        {
            if (ValidPrincipals.Count == 0)
            {
                // PROTOCOL.certkeys: no principals means any. OpenSSH accepts that for hosts, never for users.
                if (expectedType == SshCertificateType.User) return "Certificate lacks principal list";
            }
            else if (!ValidPrincipals.Any(p => wildcards ? SshPattern.Matches(p, principal, ignoreCase: true) : p == principal))
            {
                return $"Certificate invalid: name is not a listed principal";
            }
        }
        foreach (SshCertificateOption option in CriticalOptions)
        {
            if (expectedType == SshCertificateType.Host)
                return $"Certificate invalid: host certificates carry no critical options, but this one has '{option.Name}'";
            if (!KnownCriticalOptions.Contains(option.Name))
                return $"Certificate invalid: unsupported critical option '{option.Name}'";
            if (option.Value is null)
                return $"Certificate invalid: critical option '{option.Name}' is malformed";
        }
        if (SourceAddress is { } sourceAddress)
        {
            if (clientAddress is null) return "Certificate invalid: source-address is set and the client's address is unknown";
            if (!AddressPattern.MatchesCidrList(sourceAddress, clientAddress))
                return $"Certificate invalid: source address {clientAddress} is not in source-address {sourceAddress}";
        }
        return null;
    }

    /// <summary>What <c>ssh-keygen -L</c> shows, for logs and the <c>sshcs keygen -L</c> listing.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Type: ").Append(KeyType).Append(CertificateType == SshCertificateType.Host ? " host" : " user").Append(" certificate\n");
        text.Append("Public key: ").Append(Key.KeyType).Append(' ').Append(GetFingerprint()).Append('\n');
        text.Append("Signing CA: ").Append(SignatureKey.KeyType).Append(' ').Append(SignatureKey.GetFingerprint())
            .Append(" (using ").Append(SignatureAlgorithm).Append(")\n");
        text.Append("Key ID: \"").Append(KeyId).Append("\"\n");
        text.Append("Serial: ").Append(Serial).Append('\n');
        text.Append("Valid: ").Append(Validity).Append('\n');
        text.Append("Principals: ").Append(ValidPrincipals.Count == 0 ? "(none)" : "\n        " + string.Join("\n        ", ValidPrincipals)).Append('\n');
        text.Append("Critical Options: ").Append(CriticalOptions.Count == 0 ? "(none)" : "\n        " + string.Join("\n        ", CriticalOptions)).Append('\n');
        text.Append("Extensions: ").Append(Extensions.Count == 0 ? "(none)" : "\n        " + string.Join("\n        ", Extensions));
        return text.ToString();
    }

    /// <summary>The validity window as <c>ssh-keygen</c> prints it: <c>forever</c>, <c>from 2024-01-01T00:00:00 to
    /// 2024-01-02T00:00:00</c>, <c>before ...</c> or <c>after ...</c> (UTC).</summary>
    public string Validity
    {
        get
        {
            static string Format(ulong s) => ToTime(s).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            if (ValidAfterSeconds == 0 && ValidBeforeSeconds == Forever) return "forever";
            if (ValidAfterSeconds == 0) return "before " + Format(ValidBeforeSeconds);
            if (ValidBeforeSeconds == Forever) return "after " + Format(ValidAfterSeconds);
            return $"from {Format(ValidAfterSeconds)} to {Format(ValidBeforeSeconds)}";
        }
    }

    private static DateTimeOffset ToTime(ulong seconds) =>
        seconds >= (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds((long)seconds);

    private static SshCertificateOption? FindOption(IReadOnlyList<SshCertificateOption> options, string name)
    {
        foreach (SshCertificateOption option in options)
        {
            if (option.Name == name) return option;
        }
        return null;
    }

    /// <summary>Parses a certificate blob of a certificate type and checks the CA's signature.</summary>
    /// <exception cref="FormatException">The blob is malformed, the CA key is itself a certificate, or the signature
    /// does not verify.</exception>
    /// <exception cref="NotSupportedException">The certified key's or the CA's type is not one this library implements.</exception>
    internal static SshCertificate ReadBody(string type, ReadOnlySpan<byte> blob)
    {
        string plainType = type[..^TypeSuffix.Length];
        try
        {
            var reader = new SshReader(blob);
            reader.ReadStringBytes();
            byte[] nonce = reader.ReadBinaryString();
            // The certified key's own fields follow, in its plain blob's layout (PROTOCOL.certkeys).
            int keyStart = reader.Position;
            int fields = plainType switch
            {
                Ed25519PublicKey.TypeName => 1,
                RsaPublicKey.TypeName => 2,
                _ when EcdsaCurve.ForKeyType(plainType) is not null => 2,
                _ => throw new NotSupportedException($"Certificate type '{type}' is not supported."),
            };
            for (int i = 0; i < fields; i++) reader.ReadStringBytes();
            byte[] plainBlob = new SshBuffer(reader.Position - keyStart + plainType.Length + 8)
                .WriteString(plainType).WriteBytes(blob[keyStart..reader.Position]).ToArray();
            SshPublicKey key = FromBlob(plainBlob);

            ulong serial = reader.ReadUInt64();
            uint certType = reader.ReadUInt32();
            if (certType is not (1 or 2)) throw new FormatException($"The certificate's type is {certType}, neither user (1) nor host (2).");
            string keyId = reader.ReadString();
            string[] principals = ReadPrincipals(reader.ReadStringBytes());
            ulong validAfter = reader.ReadUInt64();
            ulong validBefore = reader.ReadUInt64();
            SshCertificateOption[] critical = ReadOptions(reader.ReadStringBytes(), "critical option");
            SshCertificateOption[] extensions = ReadOptions(reader.ReadStringBytes(), "extension");
            reader.ReadStringBytes(); // reserved
            ReadOnlySpan<byte> caBlob = reader.ReadStringBytes();
            int signedLength = reader.Position;
            ReadOnlySpan<byte> signature = reader.ReadStringBytes();
            reader.EnsureEnd("The certificate");

            if (validAfter >= validBefore) throw new FormatException("The certificate's validity window is empty (valid after ≥ valid before).");
            string caType = new SshReader(caBlob).ReadString();
            if (IsCertificateAlgorithm(caType))
                throw new FormatException("The certificate is signed by another certificate; chained certificates are not supported (PROTOCOL.certkeys).");
            SshPublicKey ca = FromBlob(caBlob);
            string signatureAlgorithm = SignatureAlgorithmOf(signature) ?? throw new FormatException("The certificate's signature is malformed.");
            // OpenSSH's CASignatureAlgorithms leaves out SHA-1 ssh-rsa since 8.2: such a CA signature proves little.
            if (!ca.SignatureAlgorithms.Contains(signatureAlgorithm))
                throw new FormatException($"The certificate is signed with '{signatureAlgorithm}', which is not accepted for a {ca.KeyType} CA key.");
            if (!ca.Verify(blob[..signedLength], signature))
                throw new FormatException($"The certificate's signature by the CA {ca.GetFingerprint()} does not verify; it is forged or corrupt.");
            return new SshCertificate(blob.ToArray(), key, nonce, serial, (SshCertificateType)certType, keyId, principals,
                validAfter, validBefore, critical, extensions, ca, signatureAlgorithm);
        }
        catch (SshProtocolException e)
        {
            throw new FormatException($"The {type} certificate is truncated or malformed.", e);
        }
    }

    private static string[] ReadPrincipals(ReadOnlySpan<byte> data)
    {
        var reader = new SshReader(data);
        var principals = new List<string>();
        while (!reader.AtEnd)
        {
            if (principals.Count == MaxPrincipals) throw new FormatException($"The certificate lists more than {MaxPrincipals} principals.");
            string principal = reader.ReadString();
            if (principal.Length == 0 || principal.Contains('\0')) throw new FormatException("The certificate lists an empty or NUL-holding principal.");
            principals.Add(principal);
        }
        return principals.ToArray();
    }

    private static SshCertificateOption[] ReadOptions(ReadOnlySpan<byte> data, string what)
    {
        var reader = new SshReader(data);
        var options = new List<SshCertificateOption>();
        while (!reader.AtEnd)
        {
            string name = reader.ReadString();
            byte[] value = reader.ReadBinaryString();
            if (name.Length == 0) throw new FormatException($"The certificate has a {what} without a name.");
            // Each name once (PROTOCOL.certkeys): two force-commands must not leave the choice to the reader.
            if (options.Any(o => o.Name == name)) throw new FormatException($"The certificate has the {what} '{name}' twice.");
            options.Add(new SshCertificateOption(name, value));
        }
        return options.ToArray();
    }

    /// <summary>The certificate blob that a CA signs: everything up to and including the signature key.</summary>
    internal static byte[] Encode(SshPublicKey key, ReadOnlySpan<byte> nonce, ulong serial, SshCertificateType type, string keyId,
        IEnumerable<string> principals, ulong validAfter, ulong validBefore, IEnumerable<SshCertificateOption> critical,
        IEnumerable<SshCertificateOption> extensions, SshPublicKey ca)
    {
        var reader = new SshReader(key.GetBlob());
        reader.ReadStringBytes();
        var buffer = new SshBuffer(1024).WriteString(key.KeyType + TypeSuffix).WriteString(nonce).WriteBytes(reader.RemainingSpan)
            .WriteUInt64(serial).WriteUInt32((uint)type).WriteString(keyId);
        var names = new SshBuffer();
        foreach (string p in principals) names.WriteString(p);
        buffer.WriteString(names.Span).WriteUInt64(validAfter).WriteUInt64(validBefore)
            .WriteString(EncodeOptions(critical)).WriteString(EncodeOptions(extensions))
            .WriteString(ReadOnlySpan<byte>.Empty).WriteString(ca.GetBlob());
        return buffer.ToArray();
    }

    // PROTOCOL.certkeys: options are lexically ordered by name, each (string name ‖ string data).
    private static ReadOnlySpan<byte> EncodeOptions(IEnumerable<SshCertificateOption> options)
    {
        var buffer = new SshBuffer();
        foreach (SshCertificateOption option in options.OrderBy(o => o.Name, StringComparer.Ordinal))
            buffer.WriteString(option.Name).WriteString(option.Data.Span);
        return buffer.Span;
    }
}
