namespace Ssh.Server.Processes;

/// <summary>Signal names as SSH spells them (RFC 4254 §6.9, §6.10) and Linux signal numbers.</summary>
internal static class Signals
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGTERM = 15;

    // RFC 4254 §6.10 lists these thirteen; a signal name carries no "SIG" prefix.
    private static readonly Dictionary<string, int> Standard = new(StringComparer.Ordinal)
    {
        ["ABRT"] = 6, ["ALRM"] = 14, ["FPE"] = 8, ["HUP"] = 1, ["ILL"] = 4, ["INT"] = 2, ["KILL"] = 9,
        ["PIPE"] = 13, ["QUIT"] = 3, ["SEGV"] = 11, ["TERM"] = 15, ["USR1"] = 10, ["USR2"] = 12,
    };

    // Linux (x86-64, arm64) numbers 1..31.
    private static readonly string[] LinuxNames =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>The number of one of RFC 4254's standard signal names; false for any other name.</summary>
    public static bool TryGetNumber(string name, out int number) => Standard.TryGetValue(name, out number);

    /// <summary>
    /// The name of a signal without "SIG". The RFC 4254 §6.10 names for the standard thirteen; other
    /// Linux signals get their Linux name ("BUS", "XCPU"), real-time ones "RT&lt;n&gt;" — a server that
    /// wants to send only standard names maps those with <see cref="IsStandardName"/>.
    /// </summary>
    public static string NameOf(int number) =>
        number > 0 && number < LinuxNames.Length ? LinuxNames[number] : $"RT{number}";

    /// <summary>Whether RFC 4254 §6.10 lists the name.</summary>
    public static bool IsStandardName(string name) => Standard.ContainsKey(name);
}
