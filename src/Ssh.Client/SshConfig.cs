using System.Globalization;
using System.Text;
using Ssh.Transport;

namespace Ssh.Client;

/// <summary>
/// paramiko's <c>SSHConfig</c>, with OpenSSH's semantics (ssh_config(5)): <c>Host</c> and <c>Match</c> blocks
/// (<c>host</c>, <c>originalhost</c>, <c>user</c>, <c>localuser</c>, <c>exec</c>, <c>all</c>, <c>canonical</c>,
/// <c>final</c>, each negatable with <c>!</c>), <c>Include</c> (globs, relative to <c>~/.ssh</c> for a user's file and
/// <c>/etc/ssh</c> for the system's, nested up to 16 deep, conditional inside a block), keywords case-insensitive,
/// <c>Keyword value</c> or <c>Keyword=value</c>, quoted arguments, comments. For each keyword the first value that
/// applies wins, as in ssh; list keywords (IdentityFile, CertificateFile, LocalForward, ...) accumulate.
/// <see cref="Lookup"/> evaluates the file for one host the way ssh does, in order, so a <c>Match host</c> sees the
/// <c>HostName</c> set above it, and a <c>Match final</c> block is evaluated in a second pass.
/// </summary>
public sealed class SshConfig
{
    /// <summary>Includes deeper than this are refused, as OpenSSH's READCONF_MAX_DEPTH.</summary>
    public const int MaxIncludeDepth = 16;

    /// <summary>The largest configuration file read (an Include of a device must not read forever).</summary>
    public const int MaxFileSize = 1 << 20;

    private readonly List<ConfigLine> _lines;

    private SshConfig(List<ConfigLine> lines, bool untrusted = false)
    {
        _lines = lines;
        Untrusted = untrusted;
    }

    /// <summary>True for <see cref="ParseUntrusted"/>'s configurations: <c>Match exec</c> never runs its command.</summary>
    public bool Untrusted { get; }

    internal IReadOnlyList<ConfigLine> Lines => _lines;

    /// <summary>The user's configuration file, <c>~/.ssh/config</c>.</summary>
    public static string UserConfigPath => Path.Combine(Home, ".ssh", "config");

    /// <summary>The system configuration file, <c>/etc/ssh/ssh_config</c>.</summary>
    public const string SystemConfigPath = "/etc/ssh/ssh_config";

    internal static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Reads the text of an ssh_config file (as a user's file: a relative <c>Include</c> is under <c>~/.ssh</c>).</summary>
    /// <exception cref="FormatException">A line has a keyword and no value, a quote is unterminated, or an included
    /// file cannot be read; the message names the file and line.</exception>
    public static SshConfig Parse(string text) => new(ParseLines(text, null, systemConfig: false, depth: 0));

    /// <summary>Reads configuration text from a source that must not run commands or read files here: an
    /// <c>Include</c> is a <see cref="FormatException"/>, and a <c>Match exec</c> criterion is false without running
    /// anything.</summary>
    public static SshConfig ParseUntrusted(string text)
    {
        var config = new SshConfig(ParseLines(text, null, systemConfig: false, depth: 0, allowIncludes: false), untrusted: true);
        return config;
    }

    /// <summary>Reads an ssh_config file (paramiko's <c>SSHConfig.from_path</c>); see <see cref="Parse"/>. A file
    /// under <c>/etc/ssh</c> includes relative to <c>/etc/ssh</c>, any other relative to <c>~/.ssh</c>.</summary>
    public static SshConfig FromFile(string path)
    {
        string full = Path.GetFullPath(path);
        bool system = full.StartsWith("/etc/ssh/", StringComparison.Ordinal);
        return new SshConfig(ParseLines(File.ReadAllText(full), full, system, depth: 0));
    }

    /// <summary>The user's <c>~/.ssh/config</c>, or an empty configuration when there is none.</summary>
    public static SshConfig LoadUserConfig() => File.Exists(UserConfigPath) ? FromFile(UserConfigPath) : Parse("");

    /// <summary>What ssh reads without <c>-F</c>: <c>~/.ssh/config</c>, then <c>/etc/ssh/ssh_config</c> (either may be
    /// missing), the first value of each keyword winning.</summary>
    public static SshConfig LoadDefault()
    {
        var lines = new List<ConfigLine>();
        if (File.Exists(UserConfigPath)) lines.AddRange(FromFile(UserConfigPath)._lines);
        if (File.Exists(SystemConfigPath))
        {
            // The system file starts unconditioned, whatever block the user's file ended in.
            lines.Add(new ConfigLine("host", "*", ["*"], SystemConfigPath, 0, null));
            lines.AddRange(FromFile(SystemConfigPath)._lines);
        }
        return new SshConfig(lines);
    }

    /// <summary>This configuration with <paramref name="options"/> (<c>Keyword value</c> or <c>Keyword=value</c> each,
    /// as ssh's <c>-o</c>) in front of it, where they win over anything the files say. With
    /// <paramref name="forHost"/> they apply only to a lookup of that host, as ssh's command-line options apply to
    /// its target and not to the jump hosts on the way.</summary>
    /// <exception cref="FormatException">An option is malformed, or is a <c>Host</c>, <c>Match</c> or <c>Include</c>.</exception>
    public SshConfig WithOverrides(IEnumerable<string> options, string? forHost = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<ConfigLine> lines = ParseLines(string.Join('\n', options), "command line", systemConfig: false, depth: 0);
        if (lines.FirstOrDefault(l => l.Keyword is "host" or "match" or "include") is { } block)
            throw new FormatException($"command line: '{block.Keyword}' cannot be given as an option.");
        if (forHost is not null) lines.Insert(0, new ConfigLine("match", "originalhost " + forHost, ["originalhost", forHost.ToLowerInvariant()], "command line", 0, null));
        // The files' lines start unconditioned, whatever the overrides' condition.
        lines.Add(new ConfigLine("host", "*", ["*"], "command line", 0, null));
        return new SshConfig([.. lines, .. _lines], Untrusted);
    }

    /// <summary>The options for <paramref name="host"/> (the name as given to ssh, an alias maybe), evaluated as ssh
    /// does: see <see cref="SshConfigEntry"/> for the resolved values.</summary>
    /// <param name="host">The host as given on the command line.</param>
    /// <param name="user">The user given explicitly (ssh's <c>-l</c> or <c>user@</c>), which beats <c>User</c> and is
    /// what <c>Match user</c> sees; null when none.</param>
    public SshConfigEntry Lookup(string host, string? user = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        return SshConfigEvaluator.Evaluate(this, host, user);
    }

    /// <summary>One ProxyJump hop (ssh -J): <c>[user@]host[:port]</c>, <c>[user@][v6]:port</c> or
    /// <c>ssh://[user@]host[:port]</c>; the port is null when not given.</summary>
    /// <exception cref="FormatException">The hop is malformed.</exception>
    public static (string? User, string Host, int? Port) ParseJumpHost(string hop)
    {
        string spec = hop.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase) ? hop[6..].TrimEnd('/') : hop;
        string? user = null;
        int at = spec.LastIndexOf('@');
        if (at >= 0)
        {
            user = spec[..at];
            spec = spec[(at + 1)..];
        }
        int? port = null;
        if (spec.StartsWith('['))
        {
            int close = spec.IndexOf(']');
            if (close < 0) throw new FormatException($"ProxyJump hop '{hop}' has an unclosed '['.");
            string rest = spec[(close + 1)..];
            spec = spec[1..close];
            if (rest.StartsWith(':')) port = ParsePort(rest[1..], hop);
        }
        else if (spec.Count(c => c == ':') == 1)
        {
            int colon = spec.IndexOf(':');
            port = ParsePort(spec[(colon + 1)..], hop);
            spec = spec[..colon];
        }
        if (spec.Length == 0) throw new FormatException($"ProxyJump hop '{hop}' has no host.");
        return (user, spec, port);
    }

    private static int ParsePort(string text, string hop) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port : throw new FormatException($"ProxyJump hop '{hop}' has a bad port '{text}'.");

    private static List<ConfigLine> ParseLines(string text, string? path, bool systemConfig, int depth, bool allowIncludes = true)
    {
        var lines = new List<ConfigLine>();
        int number = 0;
        string where = path ?? "ssh config";
        foreach (string raw in text.Split('\n'))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            (string keyword, string value) = SplitKeyword(line, where, number);
            IReadOnlyList<string> args = Tokenize(value, where, number);
            if (args.Count == 0) throw new FormatException($"{where} line {number}: '{keyword}' has no value.");
            if (keyword == "include" && !allowIncludes) throw new FormatException($"{where} line {number}: Include is not allowed here.");
            List<SshConfig>? included = keyword == "include" ? Include(args, where, number, systemConfig, depth) : null;
            lines.Add(new ConfigLine(keyword, value, args, where, number, included));
        }
        return lines;
    }

    /// <summary>Each pattern, made absolute (relative to ~/.ssh or /etc/ssh), globbed in sorted order as ssh does; a
    /// pattern that matches nothing is no error.</summary>
    private static List<SshConfig> Include(IReadOnlyList<string> patterns, string where, int number, bool systemConfig, int depth)
    {
        if (depth + 1 > MaxIncludeDepth) throw new FormatException($"{where} line {number}: Include nested deeper than {MaxIncludeDepth}.");
        var configs = new List<SshConfig>();
        foreach (string pattern in patterns)
        {
            string expanded = pattern.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(Home, pattern[2..]) : pattern;
            if (!Path.IsPathRooted(expanded)) expanded = Path.Combine(systemConfig ? "/etc/ssh" : Path.Combine(Home, ".ssh"), expanded);
            foreach (string file in Glob(expanded))
            {
                try
                {
                    configs.Add(new SshConfig(ParseLines(ReadLimited(file), file, systemConfig, depth + 1)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new FormatException($"{where} line {number}: Include {file}: {e.Message}", e);
                }
            }
        }
        return configs;
    }

    private static string ReadLimited(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        byte[] buffer = new byte[MaxFileSize + 1];
        int total = 0, n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        if (total > MaxFileSize) throw new IOException($"it is larger than {MaxFileSize} bytes");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>Files matching a path whose components may hold <c>*</c> and <c>?</c>, sorted as glob(3) returns them.</summary>
    private static IEnumerable<string> Glob(string path)
    {
        if (!path.Contains('*') && !path.Contains('?')) return File.Exists(path) ? [path] : [];
        string[] parts = path.Split('/');
        IEnumerable<string> current = ["/"];
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i];
            bool last = i == parts.Length - 1;
            if (part.Length == 0) continue;
            current = current.SelectMany<string, string>(dir =>
            {
                if (!part.Contains('*') && !part.Contains('?'))
                {
                    string next = Path.Combine(dir, part);
                    return last ? (File.Exists(next) ? [next] : []) : (Directory.Exists(next) ? [next] : Array.Empty<string>());
                }
                if (!Directory.Exists(dir)) return [];
                IEnumerable<string> entries = last ? Directory.EnumerateFiles(dir) : Directory.EnumerateDirectories(dir);
                // As glob(3): a leading '*' does not match a dot file.
                return entries.Where(e => SshPattern.Matches(part, Path.GetFileName(e)) && (part.StartsWith('.') || !Path.GetFileName(e).StartsWith('.')))
                    .Order(StringComparer.Ordinal);
            }).ToList();
        }
        return current;
    }

    private static (string Key, string Value) SplitKeyword(string line, string where, int number)
    {
        int split = line.IndexOfAny([' ', '\t', '=']);
        if (split <= 0) throw new FormatException($"{where} line {number}: '{line}' has no value.");
        string key = line[..split].ToLowerInvariant();
        string value = line[split..].TrimStart(' ', '\t');
        if (value.StartsWith('=')) value = value[1..].TrimStart(' ', '\t');
        return (key, value.TrimEnd());
    }

    /// <summary>ssh's argument splitting: blanks separate, single or double quotes group (the quotes go), a backslash
    /// takes the next character as it is.</summary>
    internal static IReadOnlyList<string> Tokenize(string value, string where, int number)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool any = false;
        char quote = '\0';
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\' && i + 1 < value.Length && (quote == '\0' || value[i + 1] == quote || value[i + 1] == '\\'))
            {
                current.Append(value[++i]);
                any = true;
            }
            else if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                any = true;
            }
            else if (c is ' ' or '\t')
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (quote != '\0') throw new FormatException($"{where} line {number}: unterminated quote.");
        if (any) args.Add(current.ToString());
        return args;
    }
}

/// <summary>One line of a configuration: its keyword (lower case), the value as written, its arguments, where it
/// is, and for <c>Include</c> the files it brought in.</summary>
internal sealed record ConfigLine(string Keyword, string Value, IReadOnlyList<string> Args, string File, int Number, List<SshConfig>? Included);
