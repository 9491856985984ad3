namespace Ssh.Transport.Keys;

/// <summary>One usable line of an authorized_keys file: the key, its parsed options and where it was.</summary>
/// <param name="Key">The key: one that logs in, or with <see cref="AuthorizedKeyOptions.CertAuthority"/> a CA whose
/// user certificates do.</param>
/// <param name="Options">The line's options (<see cref="AuthorizedKeyOptions.None"/> when it has none).</param>
/// <param name="Comment">The comment after the key.</param>
/// <param name="LineNumber">The 1-based line number.</param>
public sealed record AuthorizedKey(SshPublicKey Key, AuthorizedKeyOptions Options, string Comment, int LineNumber);

/// <summary>An authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): one key per line with optional
/// options before it; blank lines and lines starting with '#' are ignored. A line that cannot be read (malformed,
/// options sshd would refuse, or a key type this library does not support) is skipped and reported in
/// <see cref="Warnings"/>, so one bad line never locks a user out of the others, and a restriction is never lost:
/// a line whose options cannot be understood grants nothing.</summary>
public sealed class AuthorizedKeysFile
{
    private readonly List<PublicKeyFileEntry> _entries = new();
    private readonly List<AuthorizedKey> _keys = new();
    private readonly List<string> _warnings = new();

    /// <summary>The keys that could be read, in file order, each with its options as written.</summary>
    public IReadOnlyList<PublicKeyFileEntry> Entries => _entries;

    /// <summary>The same lines with their options parsed.</summary>
    public IReadOnlyList<AuthorizedKey> Keys => _keys;

    /// <summary>One message per skipped line, naming the line number.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads the file at <paramref name="path"/>; see <see cref="Parse(string, string?)"/>. I/O errors (a missing file
    /// included) propagate as the usual <see cref="IOException"/> subclasses; warnings name the file.</summary>
    public static AuthorizedKeysFile Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Reads the text of an authorized_keys file. Never throws for bad lines: they go to <see cref="Warnings"/>.</summary>
    public static AuthorizedKeysFile Parse(string text) => Parse(text, null);

    /// <summary>Reads the text of an authorized_keys file; warnings start with <paramref name="source"/> (a file name)
    /// when given.</summary>
    public static AuthorizedKeysFile Parse(string text, string? source)
    {
        var file = new AuthorizedKeysFile();
        string where = source is null ? "line" : source + ": line";
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (!PublicKeyFile.TryParseLine(line, out PublicKeyFileEntry? entry, out string? error))
            {
                file._warnings.Add($"{where} {i + 1}: {error}");
                continue;
            }
            AuthorizedKeyOptions options;
            try
            {
                options = entry!.Options is null ? AuthorizedKeyOptions.None : AuthorizedKeyOptions.Parse(entry.Options);
            }
            catch (FormatException e)
            {
                file._warnings.Add($"{where} {i + 1}: bad options: {e.Message}");
                continue;
            }
            if (options.CertAuthority && entry.Key is SshCertificate)
            {
                file._warnings.Add($"{where} {i + 1}: a certificate cannot be a cert-authority key");
                continue;
            }
            file._entries.Add(entry);
            file._keys.Add(new AuthorizedKey(entry.Key, options, entry.Comment, i + 1));
        }
        return file;
    }

    /// <summary>True when <paramref name="key"/> is listed (whatever its options say).</summary>
    public bool Contains(SshPublicKey key) => Find(key) is not null;

    /// <summary>The first entry for <paramref name="key"/> (with its options), or null.</summary>
    public PublicKeyFileEntry? Find(SshPublicKey key) => _entries.Find(e => e.Key.Equals(key));
}
