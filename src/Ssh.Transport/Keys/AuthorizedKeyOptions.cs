using System.Globalization;
using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>
/// The options of an authorized_keys line (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"): comma-separated, keywords
/// case-insensitive, values in double quotes with <c>\"</c> for a quote. What they permit is
/// <see cref="PermitPty"/> and its siblings, which fold <c>restrict</c> and the <c>no-*</c> options together. An
/// unknown option or a malformed value makes the whole line unusable, as in sshd: a restriction must never be
/// silently dropped.
/// </summary>
public sealed class AuthorizedKeyOptions
{
    private static readonly string[] Flags =
    [
        "agent-forwarding", "cert-authority", "no-agent-forwarding", "no-port-forwarding", "no-pty", "no-user-rc",
        "no-x11-forwarding", "port-forwarding", "pty", "restrict", "user-rc", "x11-forwarding", "no-touch-required",
        "verify-required",
    ];

    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <summary>No options: everything permitted.</summary>
    public static AuthorizedKeyOptions None { get; } = new();

    /// <summary>The option text as it was written (empty for none).</summary>
    public string Text { get; private init; } = "";

    /// <summary><c>command="..."</c>: the command that runs whatever the client asks; null when absent.</summary>
    public string? Command { get; private set; }

    /// <summary><c>from="pattern-list"</c>: the client addresses or host names the key is accepted from
    /// (<see cref="AddressPattern.MatchesHostList"/>); null when absent.</summary>
    public string? From { get; private set; }

    /// <summary><c>principals="a,b"</c> on a <c>cert-authority</c> line: the certificate must list one of them.</summary>
    public IReadOnlyList<string>? Principals { get; private set; }

    /// <summary><c>expiry-time="YYYYMMDD[HHMM[SS]][Z]"</c>: when the key stops being accepted; null when never.</summary>
    public DateTimeOffset? ExpiryTime { get; private set; }

    /// <summary><c>environment="NAME=value"</c> options, in order (applied only where the server enables it, as
    /// sshd's PermitUserEnvironment).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; private set; } = [];

    /// <summary><c>permitopen="host:port"</c> options: the only destinations of local forwards; empty means any.</summary>
    public IReadOnlyList<string> PermitOpen { get; private set; } = [];

    /// <summary><c>permitlisten="[host:]port"</c> options: the only remote forward listeners; empty means any.</summary>
    public IReadOnlyList<string> PermitListen { get; private set; } = [];

    /// <summary>The line is a certificate authority (<c>cert-authority</c>): certificates it signs log in, not the key.</summary>
    public bool CertAuthority => Has("cert-authority");

    /// <summary><c>restrict</c>: everything off unless re-enabled by <c>pty</c>, <c>port-forwarding</c>,
    /// <c>agent-forwarding</c>, <c>x11-forwarding</c> or <c>user-rc</c>.</summary>
    public bool Restrict => Has("restrict");

    /// <summary>Whether a pseudo-terminal may be allocated.</summary>
    public bool PermitPty => Permits("pty");

    /// <summary>Whether port forwarding (TCP and Unix sockets) is allowed.</summary>
    public bool PermitPortForwarding => Permits("port-forwarding");

    /// <summary>Whether agent forwarding is allowed.</summary>
    public bool PermitAgentForwarding => Permits("agent-forwarding");

    /// <summary>Whether X11 forwarding is allowed.</summary>
    public bool PermitX11Forwarding => Permits("x11-forwarding");

    /// <summary>Whether <c>~/.ssh/rc</c> may run.</summary>
    public bool PermitUserRc => Permits("user-rc");

    /// <summary>True when the line names the flag option (lower case), e.g. <c>no-pty</c>.</summary>
    public bool Has(string flag) => _flags.Contains(flag);

    private bool Permits(string feature) => !Has("no-" + feature) && (!Restrict || Has(feature));

    /// <summary>True when the key is past its <see cref="ExpiryTime"/> at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => ExpiryTime is { } expiry && now >= expiry;

    /// <summary>Parses an options field as written before the key type.</summary>
    /// <exception cref="FormatException">An unknown option, a value without quotes, a malformed time or
    /// environment, or an unterminated quote; the message names it.</exception>
    public static AuthorizedKeyOptions Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var options = new AuthorizedKeyOptions { Text = text };
        var environment = new List<KeyValuePair<string, string>>();
        var permitOpen = new List<string>();
        var permitListen = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int nameEnd = i;
            while (nameEnd < text.Length && text[nameEnd] != ',' && text[nameEnd] != '=') nameEnd++;
            string name = text[i..nameEnd].ToLowerInvariant();
            i = nameEnd;
            if (i < text.Length && text[i] == '=')
            {
                string value = ReadQuoted(text, ref i, name);
                switch (name)
                {
                    case "command":
                        if (options.Command is not null) throw new FormatException("authorized_keys option 'command' appears twice.");
                        options.Command = value;
                        break;
                    case "from":
                        if (options.From is not null) throw new FormatException("authorized_keys option 'from' appears twice.");
                        options.From = value;
                        break;
                    case "principals":
                        if (options.Principals is not null) throw new FormatException("authorized_keys option 'principals' appears twice.");
                        options.Principals = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        break;
                    case "expiry-time":
                        DateTimeOffset expiry = ParseTime(value);
                        // Several expiry-times: the earliest applies, as sshd keeps the most restrictive.
                        options.ExpiryTime = options.ExpiryTime is { } earlier && earlier < expiry ? earlier : expiry;
                        break;
                    case "environment":
                        int eq = value.IndexOf('=');
                        if (eq <= 0 || value[..eq].Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
                            throw new FormatException($"authorized_keys environment=\"{value}\" is not NAME=value.");
                        environment.Add(new(value[..eq], value[(eq + 1)..]));
                        break;
                    case "permitopen":
                        permitOpen.Add(CheckHostPort(value, name, portRequired: true));
                        break;
                    case "permitlisten":
                        permitListen.Add(CheckHostPort(value, name, portRequired: false));
                        break;
                    default:
                        throw new FormatException($"Unknown authorized_keys option '{name}'.");
                }
            }
            else
            {
                if (!Flags.Contains(name)) throw new FormatException(name.Length == 0 ? "An authorized_keys option is empty." : $"Unknown authorized_keys option '{name}'.");
                options._flags.Add(name);
            }
            if (i < text.Length)
            {
                if (text[i] != ',') throw new FormatException($"authorized_keys options: expected ',' after '{name}'.");
                i++;
                if (i == text.Length) throw new FormatException("authorized_keys options end with ','.");
            }
        }
        options.Environment = environment;
        options.PermitOpen = permitOpen;
        options.PermitListen = permitListen;
        return options;
    }

    /// <summary>At <paramref name="i"/> (the '='), a double-quoted value with <c>\"</c> escapes.</summary>
    private static string ReadQuoted(string text, ref int i, string name)
    {
        i++;
        if (i >= text.Length || text[i] != '"') throw new FormatException($"authorized_keys option '{name}' needs a double-quoted value.");
        i++;
        var value = new StringBuilder();
        while (i < text.Length && text[i] != '"')
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '"') i++;
            value.Append(text[i++]);
        }
        if (i >= text.Length) throw new FormatException($"authorized_keys option '{name}' has an unterminated quoted value.");
        i++;
        return value.ToString();
    }

    /// <summary>sshd's expiry-time: <c>YYYYMMDD</c> or <c>YYYYMMDDHHMM[SS]</c>, local time unless it ends in <c>Z</c>.</summary>
    private static DateTimeOffset ParseTime(string value) =>
        OpenSshTime.TryParse(value, out DateTimeOffset time) ? time
            : throw new FormatException($"authorized_keys expiry-time=\"{value}\" is not YYYYMMDD[HHMM[SS]][Z].");

    /// <summary>permitopen's <c>host:port</c> (port may be <c>*</c>; IPv6 in brackets), permitlisten's <c>[host:]port</c>.</summary>
    private static string CheckHostPort(string value, string name, bool portRequired)
    {
        if (!TrySplitHostPort(value, out string? host, out string port) || (portRequired && host is null) || port.Length == 0 ||
            (port != "*" && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 0 and <= 65535)))
            throw new FormatException($"authorized_keys {name}=\"{value}\" is not {(portRequired ? "host:port" : "[host:]port")}.");
        return value;
    }

    /// <summary>Splits <c>host:port</c>, <c>[v6]:port</c> or a lone <c>port</c> (host null).</summary>
    public static bool TrySplitHostPort(string value, out string? host, out string port)
    {
        host = null;
        port = value;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0) return false;
            host = value[1..close];
            port = value[(close + 2)..];
            return host.Length > 0;
        }
        int colon = value.LastIndexOf(':');
        if (colon < 0) return true;
        host = value[..colon];
        port = value[(colon + 1)..];
        return host.Length > 0 && !host.Contains(':');
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
