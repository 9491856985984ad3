using System.Security.Cryptography;
using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>The marker at the start of a known_hosts line (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").</summary>
public enum KnownHostMarker
{
    /// <summary>No marker: an ordinary line saying the key belongs to the matching hosts.</summary>
    None,
    /// <summary><c>@cert-authority</c>: the key is a CA that signs host certificates for the matching hosts.</summary>
    CertAuthority,
    /// <summary><c>@revoked</c>: the key must never be accepted for the matching hosts.</summary>
    Revoked,
}

/// <summary>One key line of a known_hosts file: <c>[@marker] hosts keytype base64 [comment]</c>, where hosts is a
/// comma-separated pattern list (<c>*</c>, <c>?</c>, <c>!</c> negation, <c>[host]:port</c>) or one hashed name
/// <c>|1|base64(salt)|base64(HMAC-SHA1(salt, name))</c>.</summary>
public sealed class KnownHostEntry
{
    private const string HashMagic = "|1|";
    private readonly byte[]? _salt;
    private readonly byte[]? _hash;
    private readonly string[] _patterns;

    private KnownHostEntry(KnownHostMarker marker, string hosts, string keyType, SshPublicKey? key, string comment,
        string? originalLine, int lineNumber, byte[]? salt, byte[]? hash)
    {
        Marker = marker;
        Hosts = hosts;
        KeyType = keyType;
        Key = key;
        Comment = comment;
        OriginalLine = originalLine;
        LineNumber = lineNumber;
        _salt = salt;
        _hash = hash;
        _patterns = salt is null ? hosts.Split(',', StringSplitOptions.RemoveEmptyEntries) : new[] { hosts };
    }

    /// <summary>The line's marker: <c>@cert-authority</c>, <c>@revoked</c>, or none.</summary>
    public KnownHostMarker Marker { get; }

    /// <summary>The host field as written: a pattern list, or a hashed name.</summary>
    public string Hosts { get; }

    /// <summary>The patterns of <see cref="Hosts"/> (one item, the hashed form, for a hashed entry).</summary>
    public IReadOnlyList<string> Patterns => _patterns;

    /// <summary>True when the host field is a hashed name (<c>|1|salt|hash</c>, ssh's <c>HashKnownHosts</c>), which
    /// can be matched against a name but not read back.</summary>
    public bool IsHashed => _salt is not null;

    /// <summary>The key type named on the line.</summary>
    public string KeyType { get; }

    /// <summary>The key, or null when its type is not supported by this library: such lines are kept when the file
    /// is saved but never match in a lookup.</summary>
    public SshPublicKey? Key { get; }

    /// <summary>The text after the key on the line; empty when there is none.</summary>
    public string Comment { get; }

    /// <summary>The 1-based line number in the file it was read from; 0 for an entry added in memory.</summary>
    public int LineNumber { get; }

    /// <summary>The text the entry was read from, written back unchanged on save.</summary>
    internal string? OriginalLine { get; }

    /// <summary>The name a host is known by: <c>host</c> on port 22, <c>[host]:port</c> otherwise, lower-cased
    /// as OpenSSH does before matching or hashing.</summary>
    public static string HostName(string host, int port)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port));
        string lower = host.ToLowerInvariant();
        return port == 22 ? lower : $"[{lower}]:{port}";
    }

    /// <summary>A hashed host field for <paramref name="name"/> (already in <see cref="HostName"/> form):
    /// <c>|1|base64(salt)|base64(HMAC-SHA1(salt, name))</c>; a random 20-byte salt when <paramref name="salt"/> is null.</summary>
    public static string HashHostName(string name, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(20);
        byte[] hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name));
        return HashMagic + Convert.ToBase64String(salt) + "|" + Convert.ToBase64String(hash);
    }

    /// <summary>A new entry for one host and key, named as <see cref="HostName"/> does (hashed when
    /// <paramref name="hashHostName"/>); its <see cref="LineNumber"/> is 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1-65535.</exception>
    /// <exception cref="ArgumentException"><paramref name="host"/> cannot be written in a known_hosts line.</exception>
    public static KnownHostEntry Create(string host, int port, SshPublicKey key, bool hashHostName = false,
        string comment = "", KnownHostMarker marker = KnownHostMarker.None)
    {
        string name = HostName(host, port);
        string hosts = hashHostName ? HashHostName(name) : name;
        return TryParseHosts(hosts, out byte[]? salt, out byte[]? hash)
            ? new KnownHostEntry(marker, hosts, key.KeyType, key, comment, null, 0, salt, hash)
            : throw new ArgumentException($"'{host}' cannot be written as a known_hosts host name.", nameof(host));
    }

    /// <summary>A new entry for a host pattern list as written (<c>*.example.org,!bad.example.org</c>), e.g. a
    /// <c>@cert-authority</c> or <c>@revoked</c> line; its <see cref="LineNumber"/> is 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="hostPatterns"/> is empty or holds a blank.</exception>
    public static KnownHostEntry CreatePattern(string hostPatterns, SshPublicKey key, KnownHostMarker marker = KnownHostMarker.None, string comment = "")
    {
        if (string.IsNullOrEmpty(hostPatterns) || hostPatterns.Any(char.IsWhiteSpace) || hostPatterns.StartsWith(HashMagic, StringComparison.Ordinal))
            throw new ArgumentException($"'{hostPatterns}' is not a known_hosts host pattern list.", nameof(hostPatterns));
        return new KnownHostEntry(marker, hostPatterns, key.KeyType, key, comment, null, 0, null, null);
    }

    /// <summary>True when this entry applies to <paramref name="host"/> on <paramref name="port"/>.</summary>
    public bool MatchesHost(string host, int port) => MatchesName(HostName(host, port));

    /// <summary>Matches a name in <see cref="HostName"/> form. A negated pattern that matches wins over any
    /// positive one (OpenSSH match_hostname).</summary>
    public bool MatchesName(string name)
    {
        if (_salt is not null)
        {
            byte[] hash = HMACSHA1.HashData(_salt, Encoding.UTF8.GetBytes(name));
            return CryptographicOperations.FixedTimeEquals(hash, _hash);
        }
        bool matched = false;
        foreach (string pattern in _patterns)
        {
            bool negated = pattern.StartsWith('!');
            if (!SshPattern.Matches(negated ? pattern.AsSpan(1) : pattern, name, ignoreCase: true)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /// <summary>The same line with another key.</summary>
    public KnownHostEntry WithKey(SshPublicKey key) =>
        new(Marker, Hosts, key.KeyType, key, Comment, null, LineNumber, _salt, _hash);

    /// <summary>The line as it is written to the file.</summary>
    public override string ToString()
    {
        if (OriginalLine is not null) return OriginalLine;
        var line = new StringBuilder();
        if (Marker == KnownHostMarker.CertAuthority) line.Append("@cert-authority ");
        else if (Marker == KnownHostMarker.Revoked) line.Append("@revoked ");
        line.Append(Hosts).Append(' ').Append(KeyType).Append(' ').Append(Convert.ToBase64String(Key!.GetBlob()));
        if (Comment.Length > 0) line.Append(' ').Append(Comment);
        return line.ToString();
    }

    /// <summary>Reads one non-blank, non-comment line. Returns null with an error for a line that cannot be
    /// understood; a well-formed line with an unsupported key type is an entry with a null <see cref="Key"/>.</summary>
    internal static KnownHostEntry? TryParse(string line, int lineNumber, out string? error)
    {
        error = null;
        string[] fields = line.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int f = 0;
        var marker = KnownHostMarker.None;
        if (fields.Length > 0 && fields[0].StartsWith('@'))
        {
            marker = fields[0] switch
            {
                "@cert-authority" => KnownHostMarker.CertAuthority,
                "@revoked" => KnownHostMarker.Revoked,
                _ => (KnownHostMarker)(-1),
            };
            if (marker < 0)
            {
                error = $"unknown marker '{fields[0]}'";
                return null;
            }
            f = 1;
        }
        if (fields.Length - f < 3)
        {
            error = "expected '[@marker] hosts keytype base64 [comment]'";
            return null;
        }
        string hosts = fields[f], keyType = fields[f + 1], base64 = fields[f + 2];
        string comment = fields.Length > f + 3 ? string.Join(' ', fields, f + 3, fields.Length - f - 3) : "";
        if (!TryParseHosts(hosts, out byte[]? salt, out byte[]? hash))
        {
            error = "the hashed host name is malformed";
            return null;
        }

        byte[] blob = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, blob, out int length))
        {
            error = "the key is not valid base64";
            return null;
        }
        SshPublicKey? key = null;
        try
        {
            key = SshPublicKey.FromBlob(blob.AsSpan(0, length));
        }
        catch (NotSupportedException)
        {
            // A type we cannot use yet: keep the line, skip it in lookups.
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
        if (key is not null && key.KeyType != keyType)
        {
            error = $"the line names key type '{keyType}' but the key is '{key.KeyType}'";
            return null;
        }
        return new KnownHostEntry(marker, hosts, keyType, key, comment, line, lineNumber, salt, hash);
    }

    private static bool TryParseHosts(string hosts, out byte[]? salt, out byte[]? hash)
    {
        salt = hash = null;
        if (!hosts.StartsWith(HashMagic, StringComparison.Ordinal)) return hosts.Length > 0;
        string[] parts = hosts[HashMagic.Length..].Split('|');
        if (parts.Length != 2) return false;
        try
        {
            salt = Convert.FromBase64String(parts[0]);
            hash = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return false;
        }
        return hash.Length == 20 && salt.Length > 0;
    }
}
