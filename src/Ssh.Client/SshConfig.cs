using Ssh.Transport;

namespace Ssh.Client;

/// <summary>
/// paramiko's <c>SSHConfig</c>: OpenSSH client configuration (ssh_config(5)) — <c>Host</c> blocks with patterns
/// (<c>*</c>, <c>?</c>, <c>!negation</c>), keywords case-insensitive, <c>Keyword value</c> or <c>Keyword=value</c>,
/// quoted values, comments. For each keyword the first value that applies wins, as in ssh. <c>Match</c> blocks
/// and <c>Include</c> are not evaluated: their contents are skipped.
/// </summary>
public sealed class SshConfig
{
    private readonly List<(string[] Patterns, List<(string Key, string Value)> Options)> _blocks = [];

    /// <summary>Keywords that may appear more than once and accumulate (ssh_config(5)).</summary>
    private static readonly HashSet<string> Lists = new(StringComparer.Ordinal) { "identityfile", "localforward", "remoteforward", "dynamicforward", "certificatefile", "sendenv" };

    /// <summary>Reads the text of an ssh_config file.</summary>
    /// <exception cref="FormatException">A line has a keyword and no value.</exception>
    public static SshConfig Parse(string text)
    {
        var config = new SshConfig();
        var current = (Patterns: new[] { "*" }, Options: new List<(string, string)>());
        config._blocks.Add(current);
        bool skipping = false;
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            (string key, string value) = SplitKeyword(line, lineNumber);
            switch (key)
            {
                case "host":
                    current = (SplitValues(value), new List<(string, string)>());
                    config._blocks.Add(current);
                    skipping = false;
                    break;
                case "match":
                    skipping = true; // conditions we do not evaluate: their options must not leak into other hosts
                    break;
                case "include":
                    break;
                default:
                    if (!skipping) current.Options.Add((key, value));
                    break;
            }
        }
        return config;
    }

    /// <summary>Reads an ssh_config file (paramiko's <c>SSHConfig.from_path</c>); see <see cref="Parse"/>.</summary>
    public static SshConfig FromFile(string path) => Parse(File.ReadAllText(path));

    /// <summary>The user's <c>~/.ssh/config</c>, or an empty configuration when there is none.</summary>
    public static SshConfig LoadUserConfig()
    {
        string path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "config");
        return File.Exists(path) ? FromFile(path) : Parse("");
    }

    /// <summary>The options for <paramref name="host"/>: keywords lower-cased, <c>hostname</c> defaulting to the
    /// host itself, <c>%h</c> in HostName expanded, <c>~</c> in IdentityFile expanded. List keywords (IdentityFile,
    /// LocalForward, ...) keep every value in order.</summary>
    public SshConfigEntry Lookup(string host)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (patterns, options) in _blocks)
        {
            if (!Matches(patterns, host)) continue;
            foreach (var (key, value) in options)
            {
                if (!values.TryGetValue(key, out List<string>? list)) values[key] = [value];
                else if (Lists.Contains(key)) list.Add(value);
            }
        }
        if (values.TryGetValue("hostname", out List<string>? hostName)) hostName[0] = hostName[0].Replace("%h", host);
        else values["hostname"] = [host];
        if (values.TryGetValue("identityfile", out List<string>? files))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            for (int i = 0; i < files.Count; i++)
                if (files[i].StartsWith("~/", StringComparison.Ordinal)) files[i] = Path.Combine(home, files[i][2..]);
        }
        return new SshConfigEntry(values);
    }

    private static bool Matches(string[] patterns, string host)
    {
        bool matched = false;
        foreach (string pattern in patterns)
        {
            if (pattern.StartsWith('!'))
            {
                if (SshPattern.Matches(pattern.AsSpan(1), host, ignoreCase: true)) return false; // a negated match excludes the host outright
            }
            else if (SshPattern.Matches(pattern, host, ignoreCase: true))
            {
                matched = true;
            }
        }
        return matched;
    }

    private static (string Key, string Value) SplitKeyword(string line, int lineNumber)
    {
        int split = line.IndexOfAny([' ', '\t', '=']);
        if (split <= 0) throw new FormatException($"ssh config line {lineNumber}: '{line}' has no value.");
        string key = line[..split].ToLowerInvariant();
        string value = line[split..].TrimStart(' ', '\t');
        if (value.StartsWith('=')) value = value[1..].TrimStart(' ', '\t');
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
        return (key, value);
    }

    private static string[] SplitValues(string value) =>
        value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(v => v.Trim('"')).ToArray();
}

/// <summary>The options that apply to one host (keywords lower-cased), as <see cref="SshConfig.Lookup"/> returns them.</summary>
public sealed class SshConfigEntry
{
    private readonly Dictionary<string, List<string>> _values;

    internal SshConfigEntry(Dictionary<string, List<string>> values) => _values = values;

    /// <summary>The first value of <paramref name="keyword"/> (case-insensitive), or null when it is not set.</summary>
    public string? this[string keyword] => _values.TryGetValue(keyword.ToLowerInvariant(), out List<string>? list) ? list[0] : null;

    /// <summary>Every value of a list keyword (IdentityFile, LocalForward, ...), in order; empty when not set.</summary>
    public IReadOnlyList<string> GetAll(string keyword) =>
        _values.TryGetValue(keyword.ToLowerInvariant(), out List<string>? list) ? list : [];

    /// <summary>The host to connect to: <c>HostName</c> with <c>%h</c> expanded, or the name looked up.</summary>
    public string HostName => this["hostname"]!;

    /// <summary>The <c>User</c> to log in as, or null when not set.</summary>
    public string? User => this["user"];

    /// <summary>The <c>Port</c>, or null when not set (or not a number).</summary>
    public int? Port => int.TryParse(this["port"], out int port) ? port : null;

    /// <summary>The <c>IdentityFile</c> values, <c>~</c> expanded, in order.</summary>
    public IReadOnlyList<string> IdentityFiles => GetAll("identityfile");

    /// <summary>Every keyword set for the host, lower-cased.</summary>
    public IReadOnlyCollection<string> Keywords => _values.Keys;
}
