using System.Security.Cryptography;
using System.Text;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Server.Sessions;

/// <summary>The users a built-in server accepts: passwords and authorized keys. Thread-safe once built.</summary>
public sealed class ServerAccounts
{
    private readonly Dictionary<string, byte[]> _passwordHashes = new(StringComparer.Ordinal);
    private readonly List<SshPublicKey> _authorizedKeys = [];

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

    /// <summary>A key that may log in as any configured user.</summary>
    public ServerAccounts AddAuthorizedKey(SshPublicKey key)
    {
        _authorizedKeys.Add(key);
        return this;
    }

    /// <summary>Adds every key of an authorized_keys file, each valid for any configured user; their options are
    /// not enforced, and lines that cannot be read are skipped.</summary>
    public ServerAccounts AddAuthorizedKeys(string authorizedKeysFile)
    {
        foreach (var entry in AuthorizedKeysFile.Load(authorizedKeysFile).Entries) _authorizedKeys.Add(entry.Key);
        return this;
    }

    /// <summary>Every user name, with a password or key-only.</summary>
    public IReadOnlyCollection<string> Users => _passwordHashes.Keys.Concat(_keyOnlyUsers).ToArray();

    /// <summary>True when at least one authorized key was added (the server then offers <c>publickey</c>).</summary>
    public bool HasKeys => _authorizedKeys.Count > 0;

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

    /// <summary>Successful when <paramref name="user"/> is configured and <paramref name="key"/> is authorized, else Failed.</summary>
    public AuthenticationResult CheckPublicKey(string user, SshPublicKey key) =>
        (_passwordHashes.ContainsKey(user) || _keyOnlyUsers.Contains(user)) && _authorizedKeys.Contains(key)
            ? AuthenticationResult.Successful : AuthenticationResult.Failed;
}
