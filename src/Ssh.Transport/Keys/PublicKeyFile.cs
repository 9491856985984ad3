using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>One public key as read from a .pub file or an authorized_keys line.</summary>
/// <param name="Key">The key.</param>
/// <param name="Comment">The comment after the key (empty when there is none).</param>
/// <param name="Options">The authorized_keys options before the key type, verbatim (e.g. <c>from="10.*",no-pty</c>), or null.</param>
public sealed record PublicKeyFileEntry(SshPublicKey Key, string Comment, string? Options = null);

/// <summary>Public key files: OpenSSH's one-line form <c>[options] type base64 [comment]</c> (sshd(8)
/// "AUTHORIZED_KEYS FILE FORMAT") and the SECSH form of RFC 4716. Errors raise a <see cref="FormatException"/>,
/// including key types this library does not support yet.</summary>
public static class PublicKeyFile
{
    internal const string Rfc4716Begin = "---- BEGIN SSH2 PUBLIC KEY ----";
    internal const string Rfc4716End = "---- END SSH2 PUBLIC KEY ----";

    /// <summary>Reads a .pub file in either format; see <see cref="Parse"/>. Errors name the file.</summary>
    /// <exception cref="FormatException">The file holds no key this library reads; the message names the file.</exception>
    public static PublicKeyFileEntry Load(string path)
    {
        string text = File.ReadAllText(path);
        try
        {
            return Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses a whole .pub file in either format (the first non-blank, non-comment line for OpenSSH's).</summary>
    public static PublicKeyFileEntry Parse(string text)
    {
        if (text.Contains(Rfc4716Begin, StringComparison.Ordinal))
            return ParseRfc4716(text);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            return ParseLine(line);
        }
        throw new FormatException("The public key file is empty.");
    }

    /// <summary>Parses one line <c>[options] type base64 [comment]</c>.</summary>
    public static PublicKeyFileEntry ParseLine(string line)
    {
        if (!TryParseLine(line, out PublicKeyFileEntry? entry, out string? error))
            throw new FormatException(error);
        return entry!;
    }

    /// <summary>Parses one line <c>[options] type base64 [comment]</c> without throwing.</summary>
    /// <param name="line">The line, without its line break.</param>
    /// <param name="entry">The key read, or null when the line cannot be read.</param>
    /// <param name="error">Why the line cannot be read, or null on success.</param>
    /// <returns>True when <paramref name="entry"/> holds a key.</returns>
    public static bool TryParseLine(string line, out PublicKeyFileEntry? entry, out string? error)
    {
        entry = null;
        string rest = line.Trim();
        if (rest.Length == 0)
        {
            error = "The line is empty.";
            return false;
        }

        // sshd tries the line as a key first and only then skips an options field, so an unknown leading word
        // that is followed by a matching blob is a key type, not options (auth2-pubkeyfile.c does the same).
        string? options = null;
        if (!TryParseKey(rest, out entry, out error, null))
        {
            int end = OptionsEnd(rest);
            if (end < 0)
            {
                error = "An authorized_keys option has an unterminated quoted string.";
                return false;
            }
            if (end >= rest.Length)
                return false; // keep the key parse error: a lone word is no options
            options = rest[..end];
            string afterOptions = rest[end..].TrimStart();
            string? firstError = error;
            if (!TryParseKey(afterOptions, out entry, out error, options))
            {
                // When neither reading works, report the one that got further: an unsupported key type beats "not base64".
                if (error is not null && error.StartsWith("Expected", StringComparison.Ordinal) && firstError is not null)
                    error = firstError;
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 4716: header lines <c>Tag: value</c> (continued with a trailing backslash), then base64.
    /// The <c>Comment</c> header becomes the comment, without its quotes.</summary>
    public static PublicKeyFileEntry ParseRfc4716(string text)
    {
        string[] lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int i = Array.FindIndex(lines, l => l.Trim() == Rfc4716Begin);
        if (i < 0) throw new FormatException($"No '{Rfc4716Begin}' line found.");
        i++;

        string comment = "";
        var base64 = new StringBuilder();
        bool inHeaders = true;
        for (; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line == Rfc4716End)
            {
                byte[] blob;
                try
                {
                    blob = Convert.FromBase64String(base64.ToString());
                }
                catch (FormatException e)
                {
                    throw new FormatException("The RFC 4716 key body is not valid base64.", e);
                }
                return new PublicKeyFileEntry(KeyFromBlob(blob), comment);
            }
            if (inHeaders && line.Contains(':', StringComparison.Ordinal))
            {
                // RFC 4716 §3.3: a header continues on the next line when it ends with a backslash.
                var header = new StringBuilder(line);
                while (header.Length > 0 && header[^1] == '\\' && i + 1 < lines.Length)
                {
                    header.Length--;
                    header.Append(lines[++i].Trim());
                }
                string h = header.ToString();
                int colon = h.IndexOf(':', StringComparison.Ordinal);
                string tag = h[..colon].Trim();
                string value = h[(colon + 1)..].Trim();
                if (tag.Equals("Comment", StringComparison.OrdinalIgnoreCase))
                    comment = value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
                continue;
            }
            inHeaders = false;
            base64.Append(line);
        }
        throw new FormatException($"No '{Rfc4716End}' line found; the key file is truncated.");
    }

    /// <summary>The key in RFC 4716 form, base64 wrapped at 70 columns (the RFC's limit is 72).</summary>
    public static string FormatRfc4716(SshPublicKey key, string? comment = null)
    {
        var text = new StringBuilder().Append(Rfc4716Begin).Append('\n');
        if (!string.IsNullOrEmpty(comment))
            text.Append("Comment: \"").Append(comment.Replace("\"", "", StringComparison.Ordinal)).Append("\"\n");
        string base64 = Convert.ToBase64String(key.GetBlob());
        for (int i = 0; i < base64.Length; i += 70)
            text.Append(base64, i, Math.Min(70, base64.Length - i)).Append('\n');
        return text.Append(Rfc4716End).Append('\n').ToString();
    }

    /// <summary>Reads <c>type base64 [comment]</c>. The error message says what is wrong.</summary>
    private static bool TryParseKey(string text, out PublicKeyFileEntry? entry, out string? error, string? options)
    {
        entry = null;
        string[] parts = text.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            error = "Expected 'type base64 [comment]'.";
            return false;
        }
        byte[] blob = new byte[parts[1].Length];
        if (!Convert.TryFromBase64String(parts[1], blob, out int length))
        {
            error = "Expected 'type base64 [comment]'; the key is not valid base64.";
            return false;
        }
        if (!TryKeyFromBlob(blob.AsSpan(0, length), out SshPublicKey? key, out error))
            return false;
        if (key!.KeyType != parts[0])
        {
            error = $"The line names key type '{parts[0]}' but the key is '{key.KeyType}'.";
            return false;
        }
        entry = new PublicKeyFileEntry(key, parts.Length > 2 ? parts[2].Trim() : "", options);
        return true;
    }

    /// <summary>Parses a blob; malformed and unsupported both become a <see cref="FormatException"/>.</summary>
    internal static SshPublicKey KeyFromBlob(ReadOnlySpan<byte> blob) =>
        TryKeyFromBlob(blob, out SshPublicKey? key, out string? error) ? key! : throw new FormatException(error);

    internal static bool TryKeyFromBlob(ReadOnlySpan<byte> blob, out SshPublicKey? key, out string? error)
    {
        key = null;
        error = null;
        try
        {
            key = SshPublicKey.FromBlob(blob);
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
        }
        catch (NotSupportedException e)
        {
            error = e.Message;
        }
        return false;
    }

    /// <summary>The index just past the options field: up to the first unquoted blank; -1 for an open quote.</summary>
    private static int OptionsEnd(string line)
    {
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && quoted && i + 1 < line.Length && line[i + 1] == '"') i++;
            else if (c == '"') quoted = !quoted;
            else if (!quoted && (c == ' ' || c == '\t')) return i;
        }
        return quoted ? -1 : line.Length;
    }
}
