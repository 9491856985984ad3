using System.Globalization;

namespace Ssh.Transport.Keys;

/// <summary>The absolute times of OpenSSH's key tools: <c>YYYYMMDD</c>, <c>YYYYMMDDHHMM</c> or <c>YYYYMMDDHHMMSS</c>,
/// in the local time zone unless suffixed with <c>Z</c> (UTC), as authorized_keys <c>expiry-time=</c> and
/// <c>ssh-keygen -V</c> take them.</summary>
internal static class OpenSshTime
{
    public static bool TryParse(string text, out DateTimeOffset time)
    {
        time = default;
        bool utc = text.EndsWith('Z') || text.EndsWith('z');
        string digits = utc ? text[..^1] : text;
        string? format = digits.Length switch { 8 => "yyyyMMdd", 12 => "yyyyMMddHHmm", 14 => "yyyyMMddHHmmss", _ => null };
        if (format is null || !DateTime.TryParseExact(digits, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime parsed))
            return false;
        time = utc ? new DateTimeOffset(parsed, TimeSpan.Zero) : new DateTimeOffset(parsed, TimeZoneInfo.Local.GetUtcOffset(parsed));
        return true;
    }
}
