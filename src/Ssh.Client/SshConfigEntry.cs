using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Ssh.Transport;

namespace Ssh.Client;

/// <summary>The options that apply to one host, as <see cref="SshConfig.Lookup"/> resolves them: the raw values by
/// keyword (lower case, first value wins, list keywords in order), and typed accessors that expand what ssh expands
/// (<c>~</c>, <c>${VAR}</c>, and the <c>%</c> tokens of ssh_config(5) TOKENS). A malformed value makes its accessor
/// throw <see cref="FormatException"/> naming the keyword.</summary>
public sealed partial class SshConfigEntry
{
    private readonly Dictionary<string, List<string>> _values;
    private readonly string _originalHost;
    private readonly string? _explicitUser;

    internal SshConfigEntry(Dictionary<string, List<string>> values, string originalHost, string? explicitUser)
    {
        _values = values;
        _originalHost = originalHost;
        _explicitUser = explicitUser;
    }

    /// <summary>The first value of <paramref name="keyword"/> (case-insensitive), as written, or null when not set.</summary>
    public string? this[string keyword] => _values.TryGetValue(keyword.ToLowerInvariant(), out List<string>? list) ? list[0] : null;

    /// <summary>Every value of a list keyword (IdentityFile, LocalForward, ...), in order, as written; empty when not set.</summary>
    public IReadOnlyList<string> GetAll(string keyword) =>
        _values.TryGetValue(keyword.ToLowerInvariant(), out List<string>? list) ? list : [];

    /// <summary>Every keyword set for the host, lower-cased.</summary>
    public IReadOnlyCollection<string> Keywords => _values.Keys;

    /// <summary>The host as given to <see cref="SshConfig.Lookup"/>, lower-cased (ssh's <c>%n</c>).</summary>
    public string OriginalHost => _originalHost;

    /// <summary>The host to connect to: <c>HostName</c> with <c>%h</c> and <c>%%</c> expanded, or the name looked up;
    /// lower-cased, as ssh does.</summary>
    public string HostName => this["hostname"] is { } name ? ExpandPercentH(name, _originalHost).ToLowerInvariant() : _originalHost;

    /// <summary>The <c>User</c> set in the configuration, or null (see <see cref="RemoteUser"/>).</summary>
    public string? User => this["user"];

    /// <summary>Who logs in: the user given to <see cref="SshConfig.Lookup"/>, else <c>User</c>, else the local user.</summary>
    public string RemoteUser => _explicitUser ?? User ?? Environment.UserName;

    /// <summary>The <c>Port</c>, or null when not set.</summary>
    public int? Port => this["port"] is { } port
        ? int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536 ? p : throw Bad("Port", port)
        : null;

    /// <summary>The <c>IdentityFile</c> values, expanded, in order.</summary>
    public IReadOnlyList<string> IdentityFiles => GetAll("identityfile").Select(ExpandPath).ToArray();

    /// <summary>The <c>CertificateFile</c> values, expanded, in order.</summary>
    public IReadOnlyList<string> CertificateFiles => GetAll("certificatefile").Select(ExpandPath).ToArray();

    /// <summary><c>IdentitiesOnly yes</c>: only the configured identities (and the agent's copies of them) are tried.</summary>
    public bool IdentitiesOnly => Flag("IdentitiesOnly") ?? false;

    /// <summary>The <c>ProxyJump</c> hops in order (<c>[user@]host[:port]</c> each), or null when not set or <c>none</c>.</summary>
    public IReadOnlyList<string>? ProxyJump => this["proxyjump"] is { } jump && !jump.Equals("none", StringComparison.OrdinalIgnoreCase)
        ? jump.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : null;

    /// <summary>The <c>ProxyCommand</c> with <c>%h</c>, <c>%p</c>, <c>%r</c>, <c>%n</c> and <c>%%</c> expanded, or null when
    /// not set or <c>none</c>.</summary>
    public string? ProxyCommand => this["proxycommand"] is { } command && !command.Equals("none", StringComparison.OrdinalIgnoreCase)
        ? ExpandTokens(command)
        : null;

    /// <summary>The <c>UserKnownHostsFile</c> files, expanded; empty when not set (ssh's default is
    /// <c>~/.ssh/known_hosts ~/.ssh/known_hosts2</c>).</summary>
    public IReadOnlyList<string> UserKnownHostsFiles => this["userknownhostsfile"] is { } files
        ? SshConfig.Tokenize(files, "UserKnownHostsFile", 0).Select(ExpandPath).ToArray()
        : [];

    /// <summary><c>StrictHostKeyChecking</c> as <c>yes</c>, <c>no</c>, <c>accept-new</c> or <c>ask</c>; null when not set.</summary>
    public string? StrictHostKeyChecking => this["stricthostkeychecking"]?.ToLowerInvariant() switch
    {
        null => null,
        "yes" or "true" => "yes",
        "no" or "false" or "off" => "no",
        "accept-new" => "accept-new",
        "ask" => "ask",
        var other => throw Bad("StrictHostKeyChecking", other),
    };

    /// <summary><c>ServerAliveInterval</c>, or null when not set.</summary>
    public TimeSpan? ServerAliveInterval => Seconds("ServerAliveInterval", allowZero: true);

    /// <summary><c>ServerAliveCountMax</c>, or null when not set.</summary>
    public int? ServerAliveCountMax => this["serveralivecountmax"] is { } count
        ? int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw Bad("ServerAliveCountMax", count)
        : null;

    /// <summary><c>ConnectTimeout</c>, or null when not set or <c>none</c>.</summary>
    public TimeSpan? ConnectTimeout => this["connecttimeout"] is "none" ? null : Seconds("ConnectTimeout", allowZero: false);

    /// <summary><c>Compression</c>, or null when not set.</summary>
    public bool? Compression => Flag("Compression");

    /// <summary><c>HashKnownHosts</c>, or null when not set.</summary>
    public bool? HashKnownHosts => Flag("HashKnownHosts");

    /// <summary><c>ForwardAgent</c>: yes, or a socket path (or <c>$VARIABLE</c>) to forward instead of
    /// <c>$SSH_AUTH_SOCK</c>; false when not set or no.</summary>
    public bool ForwardAgent => this["forwardagent"] is { } value && !value.Equals("no", StringComparison.OrdinalIgnoreCase)
        && !value.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The agent socket to forward when <c>ForwardAgent</c> names one (a path, or <c>$VARIABLE</c>); null for
    /// <c>$SSH_AUTH_SOCK</c>.</summary>
    public string? ForwardAgentSocket => this["forwardagent"] is { } value && !(value.ToLowerInvariant() is "yes" or "no" or "true" or "false")
        ? AgentPath(value) : null;

    /// <summary><c>IdentityAgent</c>: the agent to authenticate with; <c>none</c> turns the agent off (empty string),
    /// null when not set (<c>$SSH_AUTH_SOCK</c>).</summary>
    public string? IdentityAgent => this["identityagent"] is { } value
        ? value.Equals("none", StringComparison.OrdinalIgnoreCase) ? "" : value == "SSH_AUTH_SOCK" ? null : AgentPath(value)
        : null;

    /// <summary>Applies <c>KexAlgorithms</c>, <c>HostKeyAlgorithms</c>, <c>Ciphers</c>, <c>MACs</c> and
    /// <c>PubkeyAcceptedAlgorithms</c> (lists, or <c>+</c>, <c>-</c>, <c>^</c> edits) to <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">An algorithm this library does not implement, or an edit that leaves none.</exception>
    public void ApplyAlgorithms(TransportSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (string keyword in new[] { "KexAlgorithms", "HostKeyAlgorithms", "Ciphers", "MACs", "PubkeyAcceptedAlgorithms" })
        {
            if (this[keyword] is { } value) settings.ApplyOption($"{keyword}={value}");
        }
    }

    private TimeSpan? Seconds(string keyword, bool allowZero) => this[keyword] is { } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int s) && (s > 0 || (allowZero && s == 0))
            ? TimeSpan.FromSeconds(s) : throw Bad(keyword, text)
        : null;

    private bool? Flag(string keyword) => this[keyword]?.ToLowerInvariant() switch
    {
        null => null,
        "yes" or "true" => true,
        "no" or "false" => false,
        var other => throw Bad(keyword, other),
    };

    private static FormatException Bad(string keyword, string value) => new($"ssh config: {keyword} '{value}' is not a valid value.");

    private string AgentPath(string value) =>
        value.StartsWith('$') ? Environment.GetEnvironmentVariable(value[1..]) ?? "" : ExpandPath(value);

    /// <summary>~, ${VAR} and the % tokens of a path option.</summary>
    private string ExpandPath(string path)
    {
        path = ExpandEnvironment(path);
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal)) path = SshConfig.Home + path[1..];
        return ExpandTokens(path);
    }

    /// <summary><c>${NAME}</c> from the environment; an unset variable is an error, as in ssh.</summary>
    private static string ExpandEnvironment(string text)
    {
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                int close = text.IndexOf('}', i + 2);
                if (close < 0) throw new FormatException($"ssh config: unterminated ${{ in '{text}'.");
                string name = text[(i + 2)..close];
                result.Append(Environment.GetEnvironmentVariable(name) ?? throw new FormatException($"ssh config: environment variable ${{{name}}} is not set."));
                i = close;
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }

    internal static string ExpandPercentH(string text, string host) =>
        text.Replace("%%", "\0", StringComparison.Ordinal).Replace("%h", host, StringComparison.Ordinal).Replace('\0', '%');

    /// <summary>ssh_config(5) TOKENS: %% %C %d %h %i %j %k %L %l %n %p %r %u.</summary>
    /// <exception cref="FormatException">An unknown token.</exception>
    public string ExpandTokens(string text)
    {
        if (!text.Contains('%')) return text;
        var result = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                result.Append(text[i]);
                continue;
            }
            if (++i >= text.Length) throw new FormatException($"ssh config: '{text}' ends with a lone '%'.");
            result.Append(text[i] switch
            {
                '%' => "%",
                'C' => ConnectionHash(),
                'd' => SshConfig.Home,
                'h' => HostName,
                'i' => UserId().ToString(CultureInfo.InvariantCulture),
                'j' => this["proxyjump"] is { } j && j != "none" ? j : "",
                'k' => this["hostkeyalias"] ?? _originalHost,
                'L' => Environment.MachineName.Split('.')[0],
                'l' => Environment.MachineName,
                'n' => _originalHost,
                'p' => (Port ?? 22).ToString(CultureInfo.InvariantCulture),
                'r' => RemoteUser,
                'u' => Environment.UserName,
                char other => throw new FormatException($"ssh config: unknown token '%{other}' in '{text}'."),
            });
        }
        return result.ToString();
    }

    /// <summary>%C: SHA-1 of %l%h%p%r in hexadecimal, as ssh computes it for ControlPath.</summary>
    private string ConnectionHash() =>
        Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(
            Environment.MachineName + HostName + (Port ?? 22).ToString(CultureInfo.InvariantCulture) + RemoteUser)));

    private static uint UserId() => OperatingSystem.IsWindows() ? 0 : GetUid();

    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint GetUid();
}
