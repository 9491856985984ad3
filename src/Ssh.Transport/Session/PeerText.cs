namespace Ssh.Transport.Session;

/// <summary>Text the peer chose (disconnect descriptions, banners, prompts, exit-signal messages) goes into exception
/// messages, logs and terminals: control characters (terminal escapes) are removed and the length is bounded.</summary>
internal static class PeerText
{
    /// <summary>The most characters of peer text kept.</summary>
    public const int MaxLength = 512;

    public static string Sanitize(string text)
    {
        var chars = text.Where(c => !char.IsControl(c) || c == ' ').Take(MaxLength).ToArray();
        return new string(chars);
    }
}
