namespace Ssh.Transport.Keys;

/// <summary>An authorized_keys file (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): one key per line with optional
/// options before it; blank lines and lines starting with '#' are ignored. A line that cannot be read (malformed,
/// or a key type this library does not support) is skipped and reported in <see cref="Warnings"/>, so one bad line
/// never locks a user out of the others. Options are kept but not enforced yet.</summary>
public sealed class AuthorizedKeysFile
{
    private readonly List<PublicKeyFileEntry> _entries = new();
    private readonly List<string> _warnings = new();

    /// <summary>The keys that could be read, in file order, each with its options.</summary>
    public IReadOnlyList<PublicKeyFileEntry> Entries => _entries;

    /// <summary>One message per skipped line, naming the line number.</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reads the file at <paramref name="path"/>; see <see cref="Parse"/>. I/O errors (a missing file
    /// included) propagate as the usual <see cref="IOException"/> subclasses.</summary>
    public static AuthorizedKeysFile Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Reads the text of an authorized_keys file. Never throws for bad lines: they go to
    /// <see cref="Warnings"/>.</summary>
    public static AuthorizedKeysFile Parse(string text)
    {
        var file = new AuthorizedKeysFile();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            if (PublicKeyFile.TryParseLine(line, out PublicKeyFileEntry? entry, out string? error))
                file._entries.Add(entry!);
            else
                file._warnings.Add($"line {i + 1}: {error}");
        }
        return file;
    }

    /// <summary>True when <paramref name="key"/> is listed (whatever its options say).</summary>
    public bool Contains(SshPublicKey key) => Find(key) is not null;

    /// <summary>The first entry for <paramref name="key"/> (with its options), or null.</summary>
    public PublicKeyFileEntry? Find(SshPublicKey key) => _entries.Find(e => e.Key.Equals(key));
}
