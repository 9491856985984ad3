using System.Security.Cryptography;

namespace Ssh.Transport.Keys;

/// <summary>The ciphers OpenSSH may use for the private section of an openssh-key-v1 file (PROTOCOL.key), with
/// the key and IV lengths the KDF must produce. The file's ciphers are not the transport's: no sequence numbers,
/// no MAC (GCM's tag follows the encrypted string), one shot over the whole section.</summary>
internal sealed class KeyFileCipher
{
    private enum Mode { None, Ctr, Cbc, Gcm }

    private readonly Mode _mode;

    private KeyFileCipher(string name, Mode mode, int keyLength, int ivLength, int blockSize, int tagLength)
    {
        Name = name;
        _mode = mode;
        KeyLength = keyLength;
        IvLength = ivLength;
        BlockSize = blockSize;
        TagLength = tagLength;
    }

    public string Name { get; }
    public int KeyLength { get; }
    public int IvLength { get; }
    public int BlockSize { get; }
    public int TagLength { get; }
    public bool IsNone => _mode == Mode.None;

    public static readonly KeyFileCipher None = new("none", Mode.None, 0, 0, 8, 0);
    public static readonly KeyFileCipher Aes256Ctr = new("aes256-ctr", Mode.Ctr, 32, 16, 16, 0);

    private static readonly KeyFileCipher[] All =
    {
        None,
        new("aes128-ctr", Mode.Ctr, 16, 16, 16, 0),
        new("aes192-ctr", Mode.Ctr, 24, 16, 16, 0),
        Aes256Ctr,
        new("aes128-cbc", Mode.Cbc, 16, 16, 16, 0),
        new("aes192-cbc", Mode.Cbc, 24, 16, 16, 0),
        new("aes256-cbc", Mode.Cbc, 32, 16, 16, 0),
        new("aes128-gcm@openssh.com", Mode.Gcm, 16, 12, 16, 16),
        new("aes256-gcm@openssh.com", Mode.Gcm, 32, 12, 16, 16),
    };

    public static KeyFileCipher? Find(string name) => Array.Find(All, c => c.Name == name);

    public static string SupportedNames => string.Join(", ", All.Select(c => c.Name));

    /// <summary>Decrypts in place. Returns false when the GCM tag does not verify (a wrong passphrase).</summary>
    public bool TryDecrypt(ReadOnlySpan<byte> keyAndIv, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        ReadOnlySpan<byte> key = keyAndIv[..KeyLength];
        ReadOnlySpan<byte> iv = keyAndIv.Slice(KeyLength, IvLength);
        switch (_mode)
        {
            case Mode.None:
                return true;
            case Mode.Ctr:
                ApplyCtr(key, iv, data);
                return true;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.Key = key.ToArray();
                aes.DecryptCbc(data, iv, data, PaddingMode.None);
                return true;
            }
            default:
            {
                using var gcm = new AesGcm(key, TagLength);
                try
                {
                    gcm.Decrypt(iv, data, tag, data);
                    return true;
                }
                catch (AuthenticationTagMismatchException)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Encrypts in place; for GCM writes the tag into <paramref name="tag"/>.</summary>
    public void Encrypt(ReadOnlySpan<byte> keyAndIv, Span<byte> data, Span<byte> tag)
    {
        ReadOnlySpan<byte> key = keyAndIv[..KeyLength];
        ReadOnlySpan<byte> iv = keyAndIv.Slice(KeyLength, IvLength);
        switch (_mode)
        {
            case Mode.None:
                return;
            case Mode.Ctr:
                ApplyCtr(key, iv, data);
                return;
            case Mode.Cbc:
            {
                using var aes = Aes.Create();
                aes.Key = key.ToArray();
                aes.EncryptCbc(data, iv, data, PaddingMode.None);
                return;
            }
            default:
            {
                using var gcm = new AesGcm(key, TagLength);
                gcm.Encrypt(iv, data, data, tag);
                return;
            }
        }
    }

    /// <summary>AES-CTR with a 128-bit big-endian counter (the SSH convention, RFC 4344 §4).</summary>
    private static void ApplyCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> data)
    {
        int blocks = (data.Length + 15) / 16;
        byte[] keystream = new byte[blocks * 16];
        byte[] counter = iv.ToArray();
        for (int b = 0; b < blocks; b++)
        {
            counter.CopyTo(keystream, b * 16);
            for (int i = 15; i >= 0 && ++counter[i] == 0; i--) { }
        }
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.EncryptEcb(keystream, keystream, PaddingMode.None);
        for (int i = 0; i < data.Length; i++) data[i] ^= keystream[i];
        CryptographicOperations.ZeroMemory(keystream);
    }
}
