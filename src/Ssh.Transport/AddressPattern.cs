using System.Net;
using System.Net.Sockets;

namespace Ssh.Transport;

/// <summary>The address lists of OpenSSH's access rules: the CIDR lists of a certificate's <c>source-address</c>
/// (PROTOCOL.certkeys) and the pattern lists of authorized_keys <c>from=</c> (sshd(8)), where an entry is an address,
/// a CIDR block, a wildcard pattern (<c>10.0.*</c>, <c>*.example.org</c>) or any of those negated with <c>!</c>.
/// IPv4 addresses mapped into IPv6 (<c>::ffff:10.0.0.1</c>) are compared as IPv4.</summary>
public static class AddressPattern
{
    /// <summary>Whether <paramref name="address"/> lies in one of the comma-separated addresses or CIDR blocks of
    /// <paramref name="cidrList"/> (<c>10.0.0.0/8,192.168.1.7,2001:db8::/32</c>). A malformed entry makes the whole
    /// list refuse, as OpenSSH does: a typo must not open access.</summary>
    public static bool MatchesCidrList(string cidrList, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(cidrList);
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        bool matched = false;
        foreach (string entry in cidrList.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!TryParseCidr(entry, out IPAddress? network, out int prefix)) return false;
            matched |= InBlock(address, network!, prefix);
        }
        return matched;
    }

    /// <summary>authorized_keys <c>from="pattern-list"</c>: whether a client at <paramref name="address"/> (known as
    /// <paramref name="hostName"/> when reverse DNS is used, else null) is let in. Each entry is matched against the
    /// address (as a CIDR block, or as a wildcard pattern over its text) and the host name; a negated entry that
    /// matches refuses outright, else any positive match admits.</summary>
    public static bool MatchesHostList(string patternList, IPAddress address, string? hostName = null)
    {
        ArgumentNullException.ThrowIfNull(patternList);
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        string text = address.ToString();
        bool matched = false;
        foreach (string raw in patternList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            bool negated = raw.StartsWith('!');
            string pattern = negated ? raw[1..] : raw;
            bool hit = pattern.Contains('/')
                ? TryParseCidr(pattern, out IPAddress? network, out int prefix) && InBlock(address, network!, prefix)
                : SshPattern.Matches(pattern, text, ignoreCase: true) || (hostName is not null && SshPattern.Matches(pattern, hostName, ignoreCase: true));
            if (!hit) continue;
            if (negated) return false;
            matched = true;
        }
        return matched;
    }

    /// <summary>True when every entry of <paramref name="cidrList"/> is an address or a CIDR block with its host bits
    /// clear, as <c>ssh-keygen -O source-address=</c> requires.</summary>
    public static bool IsValidCidrList(string cidrList) =>
        cidrList.Length > 0 && cidrList.Split(',', StringSplitOptions.TrimEntries).All(e => TryParseCidr(e, out _, out _));

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool TryParseCidr(string entry, out IPAddress? network, out int prefix)
    {
        network = null;
        prefix = 0;
        int slash = entry.IndexOf('/');
        string addressText = slash < 0 ? entry : entry[..slash];
        if (!IPAddress.TryParse(addressText, out IPAddress? parsed) || addressText.Contains('%')) return false;
        int max = parsed.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        prefix = max;
        if (slash >= 0 && (!int.TryParse(entry.AsSpan(slash + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > max))
            return false;
        // OpenSSH refuses a block whose host bits are set (10.0.0.1/8): it is almost certainly a mistake.
        byte[] bytes = parsed.GetAddressBytes();
        for (int bit = prefix; bit < max; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0) return false;
        }
        network = parsed;
        return true;
    }

    private static bool InBlock(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily) return false;
        byte[] a = address.GetAddressBytes();
        byte[] n = network.GetAddressBytes();
        int whole = prefix / 8;
        if (!a.AsSpan(0, whole).SequenceEqual(n.AsSpan(0, whole))) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[whole] & mask) == (n[whole] & mask);
    }
}
