using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>What a known_hosts file says about a host's key.</summary>
public enum KnownHostsStatus
{
    /// <summary>No key of this type is on record for the host (<see cref="KnownHostsMatch.KnownKeys"/> lists keys of other types, if any).</summary>
    NotFound,
    /// <summary>The key is on record for the host.</summary>
    Match,
    /// <summary>Other keys of the same type are on record for the host: the host key changed, or someone is intercepting.</summary>
    Mismatch,
    /// <summary>The key is marked <c>@revoked</c> for the host and must not be accepted.</summary>
    Revoked,
}

/// <summary>The answer of <see cref="KnownHostsFile.Check"/>.</summary>
/// <param name="Status">The verdict.</param>
/// <param name="KnownKeys">For <see cref="KnownHostsStatus.Mismatch"/> the keys of the same type on record; for
/// <see cref="KnownHostsStatus.NotFound"/> the keys of other types on record; otherwise the key itself.</param>
/// <param name="Entry">The line that decided a Match or Revoked (for a certificate, its <c>@cert-authority</c>
/// line), else null.</param>
public sealed record KnownHostsMatch(KnownHostsStatus Status, IReadOnlyList<SshPublicKey> KnownKeys, KnownHostEntry? Entry)
{
    /// <summary>For a host certificate that was not accepted as one: why (no CA on record for the host, or what
    /// <see cref="SshCertificate.Validate"/> said); the verdict is then the certified key's own. Null otherwise.</summary>
    public string? CertificateProblem { get; init; }
}

/// <summary>A known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"). Comments, blank lines, lines that cannot be
/// parsed and lines with unsupported key types are kept and written back verbatim by <see cref="Save"/>, so a file
/// shared with OpenSSH loses nothing. Not thread-safe; <c>Ssh.Client.HostKeys</c> adds a lock.</summary>
public sealed class KnownHostsFile
{
    // Each line of the file in order: a parsed entry, or the raw text of anything else.
    private readonly List<(KnownHostEntry? Entry, string? Text)> _lines = new();
    private readonly List<string> _warnings = new();

    /// <summary>The key lines in file order, including those with unsupported key types (<see cref="KnownHostEntry.Key"/> null).</summary>
    public IReadOnlyList<KnownHostEntry> Entries => _lines.Where(l => l.Entry is not null).Select(l => l.Entry!).ToList();

    /// <summary>One message per line that could not be parsed (kept verbatim, ignored in lookups).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads the file at <paramref name="path"/>; see <see cref="Parse"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file (<see cref="LoadIfExists"/> treats that as empty).</exception>
    public static KnownHostsFile Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Like <see cref="Load"/>, but an absent file is an empty one.</summary>
    public static KnownHostsFile LoadIfExists(string path) => File.Exists(path) ? Load(path) : new KnownHostsFile();

    /// <summary>Reads the text of a known_hosts file. Never throws for bad lines: they are kept verbatim and
    /// reported in <see cref="Warnings"/>.</summary>
    public static KnownHostsFile Parse(string text)
    {
        var file = new KnownHostsFile();
        string[] lines = text.Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // the final newline does not start a line
        for (int i = 0; i < count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                file._lines.Add((null, line));
                continue;
            }
            KnownHostEntry? entry = KnownHostEntry.TryParse(line, i + 1, out string? error);
            if (entry is null) file._warnings.Add($"line {i + 1}: {error}");
            file._lines.Add((entry, entry is null ? line : null));
        }
        return file;
    }

    /// <summary>The supported-key entries that apply to the host, <c>@revoked</c> and <c>@cert-authority</c> ones included.</summary>
    public IReadOnlyList<KnownHostEntry> Lookup(string host, int port = 22)
    {
        string name = KnownHostEntry.HostName(host, port);
        return _lines.Where(l => l.Entry?.Key is not null && l.Entry.MatchesName(name)).Select(l => l.Entry!).ToList();
    }

    /// <summary>Checks a host key against the file the way ssh does: revoked beats everything, then any matching
    /// plain entry with this key is a match, then a different key of the same type is a mismatch. A host certificate
    /// (ssh's <c>check_host_key</c>) is refused when it, its key or its CA is <c>@revoked</c>; it matches when an
    /// <c>@cert-authority</c> line for the host holds its CA and it is valid for <paramref name="host"/> now;
    /// otherwise its certified key is checked as a plain key (with <see cref="KnownHostsMatch.CertificateProblem"/> saying why).</summary>
    public KnownHostsMatch Check(string host, int port, SshPublicKey key)
    {
        IReadOnlyList<KnownHostEntry> entries = Lookup(host, port);
        if (key is not SshCertificate certificate) return CheckPlain(entries, key);

        KnownHostEntry? revoked = entries.FirstOrDefault(e => e.Marker == KnownHostMarker.Revoked &&
            (certificate.Equals(e.Key) || certificate.Key.Equals(e.Key) || certificate.SignatureKey.Equals(e.Key)));
        if (revoked is not null)
            return new KnownHostsMatch(KnownHostsStatus.Revoked, new[] { key }, revoked);
        KnownHostEntry? authority = entries.FirstOrDefault(e => e.Marker == KnownHostMarker.CertAuthority && certificate.SignatureKey.Equals(e.Key));
        string? problem = authority is null
            ? $"no @cert-authority line for {KnownHostEntry.HostName(host, port)} holds the CA {certificate.SignatureKey.GetFingerprint()}"
            : certificate.Validate(SshCertificateType.Host, host, out string? reason) ? null : reason;
        if (problem is null)
            return new KnownHostsMatch(KnownHostsStatus.Match, new[] { key }, authority);
        return CheckPlain(entries, certificate.Key) with { CertificateProblem = problem };
    }

    private static KnownHostsMatch CheckPlain(IReadOnlyList<KnownHostEntry> entries, SshPublicKey key)
    {
        KnownHostEntry? revoked = entries.FirstOrDefault(e => e.Marker == KnownHostMarker.Revoked && key.Equals(e.Key));
        if (revoked is not null)
            return new KnownHostsMatch(KnownHostsStatus.Revoked, new[] { key }, revoked);

        List<KnownHostEntry> plain = entries.Where(e => e.Marker == KnownHostMarker.None).ToList();
        KnownHostEntry? match = plain.FirstOrDefault(e => key.Equals(e.Key));
        if (match is not null)
            return new KnownHostsMatch(KnownHostsStatus.Match, new[] { key }, match);

        SshPublicKey[] sameType = plain.Where(e => e.KeyType == key.KeyType).Select(e => e.Key!).Distinct().ToArray();
        if (sameType.Length > 0)
            return new KnownHostsMatch(KnownHostsStatus.Mismatch, sameType, null);
        return new KnownHostsMatch(KnownHostsStatus.NotFound, plain.Select(e => e.Key!).Distinct().ToArray(), null);
    }

    /// <summary>Appends an entry for the host and key (with the name hashed when <paramref name="hashHostName"/>).</summary>
    public KnownHostEntry Add(string host, int port, SshPublicKey key, bool hashHostName = false, string comment = "")
    {
        KnownHostEntry entry = KnownHostEntry.Create(host, port, key, hashHostName, comment);
        Add(entry);
        return entry;
    }

    /// <summary>Appends <paramref name="entry"/> as a new line.</summary>
    public void Add(KnownHostEntry entry) => _lines.Add((entry, null));

    /// <summary>Appends every line of <paramref name="other"/> (paramiko's <c>load</c> adds to what is there).</summary>
    public void Append(KnownHostsFile other)
    {
        _lines.AddRange(other._lines);
        _warnings.AddRange(other._warnings);
    }

    /// <summary>Puts <paramref name="replacement"/> where <paramref name="existing"/> is; false if it is not in the file.</summary>
    public bool Replace(KnownHostEntry existing, KnownHostEntry replacement)
    {
        int index = _lines.FindIndex(l => ReferenceEquals(l.Entry, existing));
        if (index < 0) return false;
        _lines[index] = (replacement, null);
        return true;
    }

    /// <summary>Removes that entry (the same object, as returned by <see cref="Entries"/> or <see cref="Lookup"/>);
    /// false when it is not in the file.</summary>
    public bool Remove(KnownHostEntry entry) => _lines.RemoveAll(l => ReferenceEquals(l.Entry, entry)) > 0;

    /// <summary>Removes the unmarked entries that apply to the host (like <c>ssh-keygen -R</c>); returns how many.</summary>
    public int Remove(string host, int port = 22)
    {
        string name = KnownHostEntry.HostName(host, port);
        return _lines.RemoveAll(l => l.Entry is { Marker: KnownHostMarker.None } e && e.MatchesName(name));
    }

    /// <summary>Drops every line, comments and unparsed ones included.</summary>
    public void Clear()
    {
        _lines.Clear();
        _warnings.Clear();
    }

    /// <summary>The file's text: unchanged lines exactly as read, new or changed entries in OpenSSH's form.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach ((KnownHostEntry? entry, string? raw) in _lines)
            text.Append(entry?.ToString() ?? raw).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes the file through a temporary file and a rename, so a crash never leaves half a file. A path
    /// under <c>/dev</c> (<c>UserKnownHostsFile /dev/null</c>) is written in place: a rename would replace the device.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        if (full.StartsWith("/dev/", StringComparison.Ordinal))
        {
            File.WriteAllText(full, ToString(), new UTF8Encoding(false));
            return;
        }
        string temp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(temp, ToString(), new UTF8Encoding(false));
        File.Move(temp, full, overwrite: true);
    }
}
