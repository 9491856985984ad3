namespace Ssh.Transport;

/// <summary>OpenSSH's patterns (ssh_config(5) PATTERNS), as known_hosts host names, ssh_config <c>Host</c> lines and
/// sshd's <c>AcceptEnv</c> use them: <c>*</c> matches any run of characters, <c>?</c> exactly one, everything else
/// itself. Matching is linear in practice and never recursive, so a hostile pattern or name costs little.</summary>
public static class SshPattern
{
    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/>; host names compare with
    /// <paramref name="ignoreCase"/> (ASCII case-insensitive), environment variable names without.</summary>
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase = false)
    {
        // One backtrack point (the last '*') is enough for these patterns: on a mismatch, the last star takes one
        // more character and matching resumes after it.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t], ignoreCase)))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
