using System.Globalization;
using Ssh.Transport.Keys;

namespace Ssh.Client;

/// <summary>paramiko's <c>HostKeys</c>: the known host keys, read from and written to OpenSSH known_hosts files.
/// A host name is <c>host</c> for port 22 or <c>[host]:port</c> otherwise. Thread-safe.</summary>
public sealed class HostKeys
{
    private readonly object _lock = new();
    private readonly KnownHostsFile _file = new();

    /// <summary>An empty set.</summary>
    public HostKeys() { }

    /// <summary>A set loaded from <paramref name="filename"/> (paramiko's <c>HostKeys(filename)</c>).</summary>
    public HostKeys(string filename) => Load(filename);

    /// <summary>Whether <see cref="Add"/> writes new lines with the host name hashed (<c>|1|salt|hash</c>), as ssh's
    /// <c>HashKnownHosts yes</c> does, so the file does not list where you connect. Existing lines keep their form.</summary>
    public bool HashHostNames { get; set; }

    /// <summary>The number of usable host entries (unmarked lines with a supported key type).</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _file.Entries.Count(e => e.Key is not null && e.Marker == KnownHostMarker.None);
        }
    }

    /// <summary>Every line with a key, in file order (a snapshot).</summary>
    public IReadOnlyList<KnownHostEntry> Entries
    {
        get
        {
            lock (_lock) return _file.Entries;
        }
    }

    /// <summary>Lines of the loaded files that could not be parsed; they are kept and saved back unchanged.</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            lock (_lock) return _file.Warnings.ToList();
        }
    }

    /// <summary>Adds the entries of a known_hosts file to this set. Lines that cannot be parsed or have key types
    /// this library does not support are kept (and written back by <see cref="Save"/>) but never match.</summary>
    public void Load(string filename)
    {
        KnownHostsFile loaded = KnownHostsFile.Load(filename);
        lock (_lock) _file.Append(loaded);
    }

    /// <summary>Writes the set in known_hosts format (replacing the file).</summary>
    public void Save(string filename)
    {
        lock (_lock) _file.Save(filename);
    }

    /// <summary>Records <paramref name="key"/> for the host. An existing line that names exactly this host with a key
    /// of this type gets the new key in place; otherwise a line is appended.</summary>
    public void Add(string hostname, string keyType, SshPublicKey key)
    {
        if (keyType != key.KeyType)
            throw new ArgumentException($"The key is '{key.KeyType}', not '{keyType}'.", nameof(keyType));
        (string host, int port) = SplitHostName(hostname);
        string name = KnownHostEntry.HostName(host, port);
        lock (_lock)
        {
            KnownHostEntry? existing = _file.Entries.FirstOrDefault(e =>
                e.Marker == KnownHostMarker.None && e.KeyType == keyType &&
                (e.IsHashed ? e.MatchesName(name) : e.Patterns.Contains(name, StringComparer.OrdinalIgnoreCase)));
            if (existing is not null)
                _file.Replace(existing, existing.WithKey(key));
            else
                _file.Add(host, port, key, HashHostNames);
        }
    }

    /// <summary>The keys on record for the host by key type, or null when there are none. Revoked keys are left out.</summary>
    public IReadOnlyDictionary<string, SshPublicKey>? Lookup(string hostname)
    {
        (string host, int port) = SplitHostName(hostname);
        lock (_lock)
        {
            IReadOnlyList<KnownHostEntry> entries = _file.Lookup(host, port);
            var revoked = entries.Where(e => e.Marker == KnownHostMarker.Revoked).Select(e => e.Key!).ToHashSet();
            var keys = new Dictionary<string, SshPublicKey>(StringComparer.Ordinal);
            foreach (KnownHostEntry e in entries)
            {
                if (e.Marker == KnownHostMarker.None && !revoked.Contains(e.Key!))
                    keys.TryAdd(e.KeyType, e.Key!);
            }
            return keys.Count == 0 ? null : keys;
        }
    }

    /// <summary>Every line with a supported key that applies to the host, <c>@cert-authority</c> and <c>@revoked</c> ones
    /// included, in file order.</summary>
    public IReadOnlyList<KnownHostEntry> LookupEntries(string hostname)
    {
        (string host, int port) = SplitHostName(hostname);
        lock (_lock) return _file.Lookup(host, port);
    }

    /// <summary>Records <paramref name="caKey"/> as a certificate authority for the hosts matching
    /// <paramref name="hostPattern"/> (a <c>@cert-authority</c> line, e.g. for <c>*.example.org</c>): host
    /// certificates it signs are accepted for those hosts.</summary>
    public void AddCertificateAuthority(string hostPattern, SshPublicKey caKey) =>
        AddMarked(hostPattern, caKey, KnownHostMarker.CertAuthority);

    /// <summary>Marks <paramref name="key"/> <c>@revoked</c> for the hosts matching <paramref name="hostPattern"/>
    /// (<c>*</c> for all): a host presenting it, or a certificate signed by it, is refused.</summary>
    public void AddRevoked(string hostPattern, SshPublicKey key) => AddMarked(hostPattern, key, KnownHostMarker.Revoked);

    private void AddMarked(string hostPattern, SshPublicKey key, KnownHostMarker marker)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostPattern);
        ArgumentNullException.ThrowIfNull(key);
        KnownHostEntry entry = KnownHostEntry.CreatePattern(hostPattern, key, marker);
        lock (_lock) _file.Add(entry);
    }

    /// <summary>True when <paramref name="key"/> is on record for the host and not revoked.</summary>
    public bool Check(string hostname, SshPublicKey key) => CheckDetailed(hostname, key).Status == KnownHostsStatus.Match;

    /// <summary>The full verdict (match, mismatch with the expected keys, not found, revoked); for a host certificate
    /// the <c>@cert-authority</c> lines decide, as <see cref="KnownHostsFile.Check"/> says.</summary>
    public KnownHostsMatch CheckDetailed(string hostname, SshPublicKey key)
    {
        (string host, int port) = SplitHostName(hostname);
        lock (_lock) return _file.Check(host, port, key);
    }

    /// <summary>Removes the unmarked entries for the host; returns how many.</summary>
    public int Remove(string hostname)
    {
        (string host, int port) = SplitHostName(hostname);
        lock (_lock) return _file.Remove(host, port);
    }

    /// <summary>Forgets every line, comments and unparsed ones included.</summary>
    public void Clear()
    {
        lock (_lock) _file.Clear();
    }

    /// <summary>paramiko's <c>hash_host</c>: <c>|1|salt|hash</c> for a host name (random salt unless given).</summary>
    public static string HashHost(string hostname, byte[]? salt = null)
    {
        (string host, int port) = SplitHostName(hostname);
        return KnownHostEntry.HashHostName(KnownHostEntry.HostName(host, port), salt);
    }

    /// <summary>Splits <c>[host]:port</c>; anything else is a host on port 22.</summary>
    internal static (string Host, int Port) SplitHostName(string hostname)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostname);
        if (hostname.StartsWith('['))
        {
            int close = hostname.LastIndexOf("]:", StringComparison.Ordinal);
            if (close > 1 && int.TryParse(hostname.AsSpan(close + 2), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
                && port is > 0 and <= 65535)
                return (hostname[1..close], port);
        }
        return (hostname, 22);
    }
}
