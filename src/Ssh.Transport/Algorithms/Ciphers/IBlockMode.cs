namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>The encryption half of a cipher-plus-MAC packet cipher: a block cipher in a mode whose state carries on
/// across packets for the life of the key (CTR's counter, RFC 4344 §4; CBC's last ciphertext block, RFC 4253 §6.3).
/// Allocates nothing per call.</summary>
internal interface IBlockMode : IDisposable
{
    /// <summary>The cipher's block size in bytes.</summary>
    int BlockBytes { get; }

    /// <summary>Encrypts <paramref name="data"/> (whole blocks) in place and advances the state.</summary>
    void Encrypt(Span<byte> data);

    /// <summary>Decrypts <paramref name="data"/> (whole blocks) in place and advances the state.</summary>
    void Decrypt(Span<byte> data);

    /// <summary>Decrypts the first block of <paramref name="ciphertext"/> into <paramref name="plaintext"/> without
    /// advancing: the packet length must be known before the packet is all there.</summary>
    void PeekFirstBlock(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext);
}
