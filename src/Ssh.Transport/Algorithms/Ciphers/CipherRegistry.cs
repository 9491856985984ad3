using Ssh.Transport.Algorithms.Macs;
using static Ssh.Transport.AlgorithmProfile;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>Every packet cipher we implement, in our preference order (OpenSSH's); CBC last and off by default.</summary>
internal static class CipherRegistry
{
    public static IReadOnlyList<CipherInfo> All { get; } =
    [
        new(ChaCha20Poly1305PacketCipher.Name, ChaCha20Poly1305PacketCipher.KeySize, 0, IsAead: true, Modern,
            (key, iv, mac) => OpenSslChaCha20Poly1305PacketCipher.IsSupported
                ? new OpenSslChaCha20Poly1305PacketCipher(Key(ChaCha20Poly1305PacketCipher.Name, key, 64))
                : new ChaCha20Poly1305PacketCipher(Key(ChaCha20Poly1305PacketCipher.Name, key, 64))),
        Gcm("aes128-gcm@openssh.com", 16),
        Gcm("aes256-gcm@openssh.com", 32),
        WithMac("aes128-ctr", 16, 16, Modern, (k, iv) => new AesCtrKeystream(k, iv)),
        WithMac("aes192-ctr", 24, 16, Modern, (k, iv) => new AesCtrKeystream(k, iv)),
        WithMac("aes256-ctr", 32, 16, Modern, (k, iv) => new AesCtrKeystream(k, iv)),
        WithMac("aes128-cbc", 16, 16, Compatible, (k, iv) => CbcMode.Aes(k, iv)),
        WithMac("aes192-cbc", 24, 16, Compatible, (k, iv) => CbcMode.Aes(k, iv)),
        WithMac("aes256-cbc", 32, 16, Compatible, (k, iv) => CbcMode.Aes(k, iv)),
        WithMac("3des-cbc", 24, 8, Legacy, (k, iv) => CbcMode.TripleDes(k, iv)),
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
        new(name, keySize, AesGcmPacketCipher.IvSize, IsAead: true, Modern,
            (key, iv, mac) => new AesGcmPacketCipher(Key(name, key, keySize), Iv(name, iv, AesGcmPacketCipher.IvSize)));

    private static CipherInfo WithMac(string name, int keySize, int blockSize, AlgorithmProfile profile, Func<byte[], byte[], IBlockMode> mode) =>
        new(name, keySize, blockSize, IsAead: false, profile,
            (key, iv, mac) => new BlockCipherMacPacketCipher(mode(Key(name, key, keySize), Iv(name, iv, blockSize)),
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
