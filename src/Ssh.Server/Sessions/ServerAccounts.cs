using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Server.Sessions;

/// <summary>The users a built-in server accepts: passwords, authorized keys (with their authorized_keys options),
/// certificate authorities whose user certificates log in (sshd's TrustedUserCAKeys) and revoked keys (sshd's
/// RevokedKeys). Thread-safe once built.</summary>
public sealed class ServerAccounts
{
    private readonly Dictionary<string, byte[]> _passwordHashes = new(StringComparer.Ordinal);
    private readonly List<AuthorizedKey> _authorizedKeys = [];
    private readonly List<SshPublicKey> _trustedUserCas = [];
    private readonly HashSet<SshPublicKey> _revoked = [];

    private readonly HashSet<string> _keyOnlyUsers = new(StringComparer.Ordinal);

    /// <summary>Whether a user added with an empty password may log in with it (sshd's PermitEmptyPasswords); off by
    /// default, so <c>--user name:</c> does not open an account to anyone.</summary>
    public bool PermitEmptyPasswords { get; set; }

    /// <summary>Adds a user with a password (kept only as a SHA-256 hash, compared in constant time).</summary>
    public ServerAccounts AddUser(string name, string password)
    {
        _passwordHashes[name] = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        _keyOnlyUsers.Remove(name);
        return this;
    }

    /// <summary>Adds a user who logs in with an authorized key only.</summary>
    public ServerAccounts AddUser(string name)
    {
        if (!_passwordHashes.ContainsKey(name)) _keyOnlyUsers.Add(name);
        return this;
    }

    /// <summary>A key that may log in as any configured user, with no restrictions.</summary>
    public ServerAccounts AddAuthorizedKey(SshPublicKey key) => AddAuthorizedKey(key, AuthorizedKeyOptions.None);

    /// <summary>A key that may log in as any configured user under <paramref name="options"/> (or, with
    /// <c>cert-authority</c>, a CA whose certificates may).</summary>
    public ServerAccounts AddAuthorizedKey(SshPublicKey key, AuthorizedKeyOptions options)
    {
        _authorizedKeys.Add(new AuthorizedKey(key, options, "", 0));
        return this;
    }

    /// <summary>Adds every key of an authorized_keys file, each valid for any configured user under its options (which
    /// <see cref="AuthorizePublicKey"/> enforces); lines that cannot be read are skipped and returned as warnings that
    /// name the file and line.</summary>
    public IReadOnlyList<string> AddAuthorizedKeysFile(string authorizedKeysFile)
    {
        AuthorizedKeysFile file = AuthorizedKeysFile.Load(authorizedKeysFile);
        foreach (AuthorizedKey key in file.Keys) _authorizedKeys.Add(key with { Comment = $"{authorizedKeysFile} line {key.LineNumber}" });
        return file.Warnings;
    }

    /// <summary>Adds every key of an authorized_keys file; see <see cref="AddAuthorizedKeysFile"/>.</summary>
    public ServerAccounts AddAuthorizedKeys(string authorizedKeysFile)
    {
        AddAuthorizedKeysFile(authorizedKeysFile);
        return this;
    }

    /// <summary>sshd's TrustedUserCAKeys: user certificates signed by <paramref name="ca"/> log in as any configured
    /// user the certificate lists as a principal, with what the certificate permits.</summary>
    public ServerAccounts AddTrustedUserCaKey(SshPublicKey ca)
    {
        if (ca is SshCertificate) throw new ArgumentException("A CA key is a plain key, not a certificate.", nameof(ca));
        _trustedUserCas.Add(ca);
        return this;
    }

    /// <summary>Reads a TrustedUserCAKeys file: one public key per line, as in a .pub or authorized_keys file (options
    /// are ignored); returns warnings for lines that cannot be read.</summary>
    /// <exception cref="FormatException">The file holds no usable key; the message names it.</exception>
    public IReadOnlyList<string> AddTrustedUserCaKeys(string path)
    {
        AuthorizedKeysFile file = AuthorizedKeysFile.Load(path);
        if (file.Keys.Count == 0) throw new FormatException($"{path}: holds no CA key{(file.Warnings.Count > 0 ? ": " + file.Warnings[0] : "")}.");
        foreach (AuthorizedKey key in file.Keys) AddTrustedUserCaKey(key.Key);
        return file.Warnings;
    }

    /// <summary>sshd's RevokedKeys: <paramref name="key"/> never logs in, nor a certificate of it, nor one it signed.</summary>
    public ServerAccounts RevokeKey(SshPublicKey key)
    {
        _revoked.Add(key is SshCertificate c ? c.Key : key);
        return this;
    }

    /// <summary>Reads a RevokedKeys file of public keys (one per line, as in a .pub file; OpenSSH's binary KRL format
    /// is not read); returns warnings for lines that cannot be read.</summary>
    public IReadOnlyList<string> AddRevokedKeys(string path)
    {
        AuthorizedKeysFile file = AuthorizedKeysFile.Load(path);
        foreach (AuthorizedKey key in file.Keys) RevokeKey(key.Key);
        return file.Warnings;
    }

    /// <summary>Whether <c>environment=</c> options of authorized keys apply (sshd's PermitUserEnvironment); off by
    /// default, since a key holder could then set <c>LD_PRELOAD</c>.</summary>
    public bool PermitUserEnvironment { get; set; }

    /// <summary>Every user name, with a password or key-only.</summary>
    public IReadOnlyCollection<string> Users => _passwordHashes.Keys.Concat(_keyOnlyUsers).ToArray();

    /// <summary>True when at least one authorized key or trusted CA was added (the server then offers <c>publickey</c>).</summary>
    public bool HasKeys => _authorizedKeys.Count > 0 || _trustedUserCas.Count > 0;

    /// <summary>Successful when <paramref name="user"/> is configured with this password, else Failed; takes the same
    /// time whether or not the user exists.</summary>
    public AuthenticationResult CheckPassword(string user, string password)
    {
        byte[] offered = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        // Compare against something even for unknown users, so timing does not tell which names exist.
        byte[] expected = _passwordHashes.TryGetValue(user, out byte[]? hash) ? hash : new byte[32];
        bool match = CryptographicOperations.FixedTimeEquals(offered, expected) && hash is not null;
        return match && (password.Length > 0 || PermitEmptyPasswords) ? AuthenticationResult.Successful : AuthenticationResult.Failed;
    }

    /// <summary>Successful when <paramref name="user"/> is configured and <paramref name="key"/> is authorized with
    /// no client address to check, else Failed; see <see cref="AuthorizePublicKey"/>.</summary>
    public AuthenticationResult CheckPublicKey(string user, SshPublicKey key) =>
        AuthorizePublicKey(user, key, null, out _) is null ? AuthenticationResult.Failed : AuthenticationResult.Successful;

    /// <summary>
    /// Whether <paramref name="key"/> may log in as <paramref name="user"/> from <paramref name="clientAddress"/>, as
    /// sshd decides it: a revoked key (or certificate of one, or one signed by a revoked CA) never; a plain key when an
    /// authorized_keys line lists it and its <c>from=</c> and <c>expiry-time=</c> allow; a user certificate when its
    /// CA is trusted (<see cref="AddTrustedUserCaKey"/>: the user must be a principal) or on a <c>cert-authority</c>
    /// line (the user, or one of the line's <c>principals=</c>, must be a principal) and it is valid now from this
    /// address (<c>source-address</c>). Returns what the login may do, or null with the reason.
    /// </summary>
    public SessionPermissions? AuthorizePublicKey(string user, SshPublicKey key, IPAddress? clientAddress, out string? refusal)
    {
        refusal = null;
        if (!_passwordHashes.ContainsKey(user) && !_keyOnlyUsers.Contains(user))
        {
            refusal = "no such user";
            return null;
        }
        SshCertificate? certificate = key as SshCertificate;
        if (_revoked.Contains(certificate?.Key ?? key) || (certificate is not null && _revoked.Contains(certificate.SignatureKey)))
        {
            refusal = certificate is not null && _revoked.Contains(certificate.SignatureKey) ? "the certificate's CA is revoked" : "the key is revoked";
            return null;
        }
        return certificate is null ? AuthorizePlainKey(key, clientAddress, out refusal) : AuthorizeCertificate(user, certificate, clientAddress, out refusal);
    }

    private SessionPermissions? AuthorizePlainKey(SshPublicKey key, IPAddress? clientAddress, out string? refusal)
    {
        refusal = "the key is not authorized";
        foreach (AuthorizedKey line in _authorizedKeys)
        {
            if (line.Options.CertAuthority || !line.Key.Equals(key)) continue;
            if (!LineAdmits(line, clientAddress, ref refusal)) continue;
            refusal = null;
            return SessionPermissions.FromKeyOptions(line.Options, PermitUserEnvironment, Describe(line));
        }
        return null;
    }

    private SessionPermissions? AuthorizeCertificate(string user, SshCertificate certificate, IPAddress? clientAddress, out string? refusal)
    {
        refusal = $"the certificate's CA {certificate.SignatureKey.GetFingerprint()} is not trusted";
        if (_trustedUserCas.Contains(certificate.SignatureKey))
        {
            if (certificate.Validate(SshCertificateType.User, user, out refusal, clientAddress))
                return SessionPermissions.FromCertificate(certificate);
        }
        foreach (AuthorizedKey line in _authorizedKeys)
        {
            if (!line.Options.CertAuthority || !line.Key.Equals(certificate.SignatureKey)) continue;
            if (!LineAdmits(line, clientAddress, ref refusal)) continue;
            // principals= names who may log in through this CA; without it, the user name itself must be listed.
            IReadOnlyList<string> names = line.Options.Principals ?? [user];
            if (!certificate.Validate(SshCertificateType.User, principal: null, out refusal, clientAddress)) continue;
            if (!names.Any(certificate.ValidPrincipals.Contains))
            {
                refusal = $"the certificate lists none of the principals {string.Join(",", names)}";
                continue;
            }
            SessionPermissions? both = SessionPermissions.FromKeyOptions(line.Options, PermitUserEnvironment, Describe(line))
                .Intersect(SessionPermissions.FromCertificate(certificate));
            if (both is null)
            {
                refusal = "the certificate's force-command differs from the cert-authority line's command";
                continue;
            }
            refusal = null;
            return both;
        }
        return null;
    }

    /// <summary>A line's <c>from=</c> and <c>expiry-time=</c>.</summary>
    private static bool LineAdmits(AuthorizedKey line, IPAddress? clientAddress, ref string? refusal)
    {
        if (line.Options.IsExpired(DateTimeOffset.UtcNow))
        {
            refusal = $"{Describe(line)}: the key expired at {line.Options.ExpiryTime:u}";
            return false;
        }
        if (line.Options.From is { } from && (clientAddress is null || !AddressPattern.MatchesHostList(from, clientAddress)))
        {
            refusal = $"{Describe(line)}: the client address {clientAddress?.ToString() ?? "(unknown)"} is not in from=\"{from}\"";
            return false;
        }
        return true;
    }

    private static string Describe(AuthorizedKey line) => line.Comment.Length > 0 && line.LineNumber > 0 ? line.Comment : "authorized key";
}
