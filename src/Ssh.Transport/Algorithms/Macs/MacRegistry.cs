using System.Security.Cryptography;
using static Ssh.Transport.AlgorithmProfile;

namespace Ssh.Transport.Algorithms.Macs;

/// <summary>Every MAC we implement, in our preference order: EtM first, because it authenticates the ciphertext before
/// anything is decrypted (OpenSSH PROTOCOL §1.5); within each, HMAC-SHA-2 before UMAC (RFC 4418; OpenSSH lists UMAC
/// first for speed, but UMAC-64's tag is half as long); SHA-1 only on request.</summary>
internal static class MacRegistry
{
    public static IReadOnlyList<MacInfo> All { get; } =
    [
        Hmac("hmac-sha2-256-etm@openssh.com", HashAlgorithmName.SHA256, 32, etm: true),
        Hmac("hmac-sha2-512-etm@openssh.com", HashAlgorithmName.SHA512, 64, etm: true),
        Umac("umac-128-etm@openssh.com", 16, etm: true),
        Umac("umac-64-etm@openssh.com", 8, etm: true),
        Hmac("hmac-sha2-256", HashAlgorithmName.SHA256, 32, etm: false),
        Hmac("hmac-sha2-512", HashAlgorithmName.SHA512, 64, etm: false),
        Umac("umac-128@openssh.com", 16, etm: false),
        Umac("umac-64@openssh.com", 8, etm: false),
        Hmac("hmac-sha1-etm@openssh.com", HashAlgorithmName.SHA1, 20, etm: true, Compatible),
        Hmac("hmac-sha1", HashAlgorithmName.SHA1, 20, etm: false, Compatible),
    ];

    public static IReadOnlyList<string> DefaultNames { get; } = All.Where(m => m.IsDefault).Select(m => m.Name).ToArray();

    public static MacInfo? Find(string name)
    {
        foreach (MacInfo mac in All)
        {
            if (mac.Name == name)
                return mac;
        }
        return null;
    }

    // RFC 6668 §2 and RFC 4253 §6.4: the key length is the digest length.
    private static MacInfo Hmac(string name, HashAlgorithmName hash, int size, bool etm, AlgorithmProfile profile = Modern) =>
        new(name, size, size, etm, profile, key =>
        {
            CheckKey(name, key, size);
            return new HmacMac(hash, key, etm);
        });

    // RFC 4418 §3: a 16-byte AES-128 key, whatever the tag length.
    private static MacInfo Umac(string name, int tagBytes, bool etm) =>
        new(name, 16, tagBytes, etm, Modern, key =>
        {
            CheckKey(name, key, 16);
            return new UmacMac(key, tagBytes, etm);
        });

    internal static void CheckKey(string name, byte[] key, int size)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != size)
            throw new ArgumentException($"{name} takes a {size}-byte key, not {key.Length} bytes.", nameof(key));
    }
}
