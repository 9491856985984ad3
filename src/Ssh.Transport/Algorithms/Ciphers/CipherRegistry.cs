using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>Every packet cipher we implement, in our preference order (OpenSSH's).</summary>
internal static class CipherRegistry
{
    public static IReadOnlyList<CipherInfo> All { get; } =
    [
        new(ChaCha20Poly1305PacketCipher.Name, ChaCha20Poly1305PacketCipher.KeySize, 0, IsAead: true, IsDefault: true,
            (key, iv, mac) => new ChaCha20Poly1305PacketCipher(Key(ChaCha20Poly1305PacketCipher.Name, key, 64))),
        Gcm("aes128-gcm@openssh.com", 16),
        Gcm("aes256-gcm@openssh.com", 32),
        Ctr("aes128-ctr", 16),
        Ctr("aes256-ctr", 32),
    ];

    public static IReadOnlyList<string> DefaultNames { get; } = All.Where(c => c.IsDefault).Select(c => c.Name).ToArray();

    public static CipherInfo? Find(string name)
    {
        foreach (CipherInfo cipher in All)
        {
            if (cipher.Name == name)
                return cipher;
        }
        return null;
    }

    private static CipherInfo Gcm(string name, int keySize) =>
        new(name, keySize, AesGcmPacketCipher.IvSize, IsAead: true, IsDefault: true,
            (key, iv, mac) => new AesGcmPacketCipher(Key(name, key, keySize), Iv(name, iv, AesGcmPacketCipher.IvSize)));

    private static CipherInfo Ctr(string name, int keySize) =>
        new(name, keySize, AesCtrHmacPacketCipher.IvSize, IsAead: false, IsDefault: true,
            (key, iv, mac) => new AesCtrHmacPacketCipher(Key(name, key, keySize), Iv(name, iv, AesCtrHmacPacketCipher.IvSize),
                mac ?? throw new ArgumentNullException(nameof(mac), $"{name} needs a MAC.")));

    private static byte[] Key(string name, byte[] key, int size)
    {
        MacRegistry.CheckKey(name, key, size);
        return key;
    }

    private static byte[] Iv(string name, byte[] iv, int size)
    {
        ArgumentNullException.ThrowIfNull(iv);
        if (iv.Length != size)
            throw new ArgumentException($"{name} takes a {size}-byte IV, not {iv.Length} bytes.", nameof(iv));
        return iv;
    }
}
