namespace Ssh.Transport;

/// <summary>Makes text the peer chose (user names, commands, disconnect descriptions, banners, prompts, exit-signal
/// messages) safe for logs and terminals: control characters, and with them terminal escape sequences, are removed,
/// and the length is bounded.</summary>
public static class PeerText
{
    /// <summary>The most characters of peer text kept.</summary>
    public const int MaxLength = 512;

    /// <summary><paramref name="text"/> without control characters (spaces kept), cut to <see cref="MaxLength"/>.</summary>
    public static string Sanitize(string text)
    {
        var chars = text.Where(c => !char.IsControl(c) || c == ' ').Take(MaxLength).ToArray();
        return new string(chars);
    }
}
