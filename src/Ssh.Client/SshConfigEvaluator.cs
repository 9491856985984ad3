using System.Diagnostics;
using Ssh.Transport;

namespace Ssh.Client;

/// <summary>Evaluates a configuration for one host as ssh's readconf does: line by line, a <c>Host</c> or
/// <c>Match</c> line deciding whether the lines after it apply, the first value of each keyword kept, and a second,
/// "final" pass when a <c>Match final</c> (or <c>canonical</c>) asked for one.</summary>
internal sealed class SshConfigEvaluator
{
    /// <summary>Keywords that may be given several times, each adding a value (ssh_config(5)).</summary>
    internal static readonly HashSet<string> ListKeywords = new(StringComparer.Ordinal)
    {
        "identityfile", "certificatefile", "localforward", "remoteforward", "dynamicforward", "sendenv", "setenv",
    };

    /// <summary>Keywords whose whole value is kept as written: commands (the shell parses them), and those taking
    /// several arguments.</summary>
    private static readonly HashSet<string> RawValueKeywords = new(StringComparer.Ordinal)
    {
        "proxycommand", "localcommand", "remotecommand", "knownhostscommand", "userknownhostsfile", "globalknownhostsfile",
        "sendenv", "setenv", "localforward", "remoteforward", "canonicaldomains", "ipqos", "rekeylimit", "permitremoteopen",
    };

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly string _host;
    private readonly string? _user;
    private bool _final;
    private bool _untrusted;
    private bool _wantFinal;

    private SshConfigEvaluator(string host, string? user)
    {
        // ssh lowercases the host it was given before anything matches against it.
        _host = host.ToLowerInvariant();
        _user = user;
    }

    public static SshConfigEntry Evaluate(SshConfig config, string host, string? user)
    {
        var evaluator = new SshConfigEvaluator(host, user) { _untrusted = config.Untrusted };
        evaluator.Apply(config.Lines, neverMatch: false);
        if (evaluator._wantFinal)
        {
            evaluator._final = true;
            evaluator.Apply(config.Lines, neverMatch: false);
        }
        return new SshConfigEntry(evaluator._values, evaluator._host, user);
    }

    private void Apply(IReadOnlyList<ConfigLine> lines, bool neverMatch)
    {
        bool active = !neverMatch;
        foreach (ConfigLine line in lines)
        {
            switch (line.Keyword)
            {
                case "host":
                    active = !neverMatch && HostMatches(line.Args);
                    break;
                case "match":
                    active = Match(line, neverMatch) && !neverMatch;
                    break;
                case "include":
                    // An included file starts in the including block's state; its Host and Match lines can only
                    // activate what the block allows, and the block's state returns after it (readconf's Include).
                    foreach (SshConfig included in line.Included!) Apply(included.Lines, neverMatch || !active);
                    break;
                default:
                    if (active) Set(line);
                    break;
            }
        }
    }

    private void Set(ConfigLine line)
    {
        string key = line.Keyword;
        // ProxyCommand and ProxyJump compete: whichever comes first wins (ssh_config(5)).
        if (key is "proxycommand" or "proxyjump" && (_values.ContainsKey("proxycommand") || _values.ContainsKey("proxyjump"))) return;
        string value = RawValueKeywords.Contains(key) ? line.Value : line.Args[0];
        if (!_values.TryGetValue(key, out List<string>? list)) _values[key] = [value];
        // ssh adds a file or forward once, however often it is named (and the final pass names them again).
        else if (ListKeywords.Contains(key) && !list.Contains(value)) list.Add(value);
    }

    /// <summary>Host patterns match the host as given (lower-cased), and in the final pass the HostName resolved by the
    /// first (ssh re-reads its files with that name); a negated match excludes it whatever else matches.</summary>
    private bool HostMatches(IEnumerable<string> patterns) => PatternListMatches(string.Join(',', patterns), _final ? CurrentHostName() : _host);

    /// <summary>OpenSSH's match_pattern_list: comma-separated patterns, <c>!</c> negating; a negated match is a refusal.</summary>
    internal static bool PatternListMatches(string list, string value)
    {
        bool matched = false;
        foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            bool negated = raw.StartsWith('!');
            if (!SshPattern.Matches(negated ? raw.AsSpan(1) : raw, value, ignoreCase: true)) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /// <summary>ssh_config(5) Match: every criterion must hold. <c>host</c> sees the HostName set so far (with %h
    /// expanded), <c>originalhost</c> the name as given, <c>user</c> the remote user, <c>localuser</c> ours,
    /// <c>exec</c> runs a command through the shell (true on exit 0), <c>final</c> and <c>canonical</c> hold in the
    /// final pass only, <c>all</c> always.</summary>
    private bool Match(ConfigLine line, bool neverMatch)
    {
        IReadOnlyList<string> args = line.Args;
        bool result = true;
        for (int i = 0; i < args.Count; i++)
        {
            string criterion = args[i].ToLowerInvariant();
            bool negate = criterion.StartsWith('!');
            if (negate) criterion = criterion[1..];
            bool hit;
            switch (criterion)
            {
                case "all":
                    hit = true;
                    break;
                case "canonical" or "final":
                    _wantFinal = true;
                    hit = _final;
                    break;
                case "host" or "originalhost" or "user" or "localuser" or "exec":
                    if (++i >= args.Count) throw new FormatException($"{line.File} line {line.Number}: Match {criterion} needs an argument.");
                    hit = criterion switch
                    {
                        "host" => PatternListMatches(args[i], CurrentHostName()),
                        "originalhost" => PatternListMatches(args[i], _host),
                        "user" => PatternListMatches(args[i], CurrentUser()),
                        "localuser" => PatternListMatches(args[i], Environment.UserName),
                        _ => !neverMatch && !_untrusted && result && Exec(args[i]),
                    };
                    break;
                default:
                    throw new FormatException($"{line.File} line {line.Number}: unsupported Match criterion '{args[i]}'.");
            }
            if (negate) hit = !hit;
            result &= hit;
        }
        return result;
    }

    private string CurrentHostName() =>
        _values.TryGetValue("hostname", out List<string>? name) ? SshConfigEntry.ExpandPercentH(name[0], _host).ToLowerInvariant() : _host;

    private string CurrentUser() => _user ?? (_values.TryGetValue("user", out List<string>? user) ? user[0] : Environment.UserName);

    /// <summary>Match exec: the command through <c>/bin/sh -c</c> with the tokens expanded, its output discarded.</summary>
    private bool Exec(string command)
    {
        var entry = new SshConfigEntry(_values, _host, _user);
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(entry.ExpandTokens(command));
        try
        {
            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
