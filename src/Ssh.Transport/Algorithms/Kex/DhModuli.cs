using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// The groups a server offers in Diffie-Hellman group exchange (RFC 4419 §3): the safe primes of a moduli file in
/// OpenSSH's format (<c>moduli(5)</c>: time type tests tries size generator modulus, size being bits − 1), or, when
/// the file is missing or has none that fit, the built-in RFC 3526 groups. Never below <see cref="MinimumBits"/>.
/// </summary>
internal sealed class DhModuli
{
    /// <summary>The smallest group we serve (RFC 8270 §4 raises RFC 4419's 1024 to 2048).</summary>
    public const int MinimumBits = 2048;

    /// <summary>The largest group anyone asks for (OpenSSH's DH_GRP_MAX).</summary>
    public const int MaximumBits = 8192;

    private static readonly ConcurrentDictionary<string, (DateTime Modified, DhModuli Moduli)> Cache = new();

    public static DhModuli BuiltIn { get; } = new(
        [DhGroups.Modp2048, DhGroups.Modp3072, DhGroups.Modp4096, DhGroups.Modp6144, DhGroups.Modp8192]);

    private readonly IReadOnlyList<DhGroup> _groups;

    public DhModuli(IReadOnlyList<DhGroup> groups) => _groups = groups;

    public int Count => _groups.Count;

    /// <summary>The groups of <paramref name="path"/> (read once per change of the file); null when it does not
    /// exist or cannot be read.</summary>
    public static DhModuli? Load(string? path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        try
        {
            DateTime modified = File.GetLastWriteTimeUtc(path);
            if (!File.Exists(path)) return null;
            if (Cache.TryGetValue(path, out var cached) && cached.Modified == modified) return cached.Moduli;
            DhModuli moduli = Parse(File.ReadLines(path));
            Cache[path] = (modified, moduli);
            return moduli;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads moduli(5) lines, keeping the safe primes (type 2) that passed primality tests and whose size
    /// field matches the modulus; anything else is skipped, as OpenSSH does.</summary>
    public static DhModuli Parse(IEnumerable<string> lines)
    {
        var groups = new List<DhGroup>();
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 7) continue;
            if (f[1] != "2" || !int.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int tests)
                || (tests & 1) != 0 || tests == 0) continue;
            if (!int.TryParse(f[3], CultureInfo.InvariantCulture, out int tries) || tries == 0) continue;
            if (!int.TryParse(f[4], CultureInfo.InvariantCulture, out int size)) continue;
            if (!int.TryParse(f[5], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int generator) || generator < 2) continue;
            if (!BigInteger.TryParse("0" + f[6], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out BigInteger p)) continue;
            var group = new DhGroup(p, generator);
            if (group.Bits != size + 1 || group.Bits < MinimumBits || group.Bits > MaximumBits) continue;
            groups.Add(group);
        }
        return new DhModuli(groups);
    }

    /// <summary>A group for a client that asked for (<paramref name="min"/>, <paramref name="preferred"/>,
    /// <paramref name="max"/>) bits: the smallest size at or above the preferred one, else the largest below it,
    /// within [max(min, 2048), max]; at random among groups of that size. Null when none fits.</summary>
    public DhGroup? Choose(int min, int preferred, int max)
    {
        min = Math.Max(min, MinimumBits);
        var fitting = _groups.Where(g => g.Bits >= min && g.Bits <= max).ToList();
        if (fitting.Count == 0) return null;
        int size = fitting.Where(g => g.Bits >= preferred).Select(g => g.Bits).DefaultIfEmpty(-1).Min();
        if (size < 0) size = fitting.Max(g => g.Bits);
        var best = fitting.Where(g => g.Bits == size).ToList();
        return best[RandomNumberGenerator.GetInt32(best.Count)];
    }

    /// <summary>The server's choice: from <paramref name="moduliFile"/> when it has a group that fits, else built in.</summary>
    public static DhGroup? ChooseFor(string? moduliFile, int min, int preferred, int max) =>
        Load(moduliFile)?.Choose(min, preferred, max) ?? BuiltIn.Choose(min, preferred, max);
}
