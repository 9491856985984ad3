using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>
/// CBC as SSH uses it (RFC 4253 §6.3): one chain for the life of the key, each packet's IV being the last ciphertext
/// block of the one before. For <c>aes128-cbc</c>, <c>aes192-cbc</c>, <c>aes256-cbc</c> and <c>3des-cbc</c>, all off by
/// default: CBC in SSH leaks plaintext to an attacker who can inject (the "Plaintext Recovery Attack against SSH",
/// CVE-2008-5161), which is why OpenSSH dropped it from its defaults; old network devices still need it.
/// </summary>
/// <remarks>The platform's CBC transforms keep the chain between calls; the first block of a packet is peeked at with
/// an ECB decryptor and the chain value we track. Scratch buffers are allocated once, so nothing is per packet.</remarks>
internal sealed class CbcMode : IBlockMode
{
    private const int ChunkBytes = 8192;

    private readonly ICryptoTransform _encryptor;
    private readonly ICryptoTransform _decryptor;
    private readonly ICryptoTransform _ecbDecryptor;
    private readonly byte[] _chain; // the last ciphertext block received: the next packet's IV
    private readonly byte[] _scratch = new byte[ChunkBytes];
    private readonly byte[] _peek;

    private CbcMode(SymmetricAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        BlockBytes = algorithm.BlockSize / 8;
        if (iv.Length != BlockBytes)
            throw new ArgumentException($"This CBC cipher takes a {BlockBytes}-byte IV, not {iv.Length} bytes.", nameof(iv));
        byte[] keyCopy = key.ToArray();
        byte[] ivCopy = iv.ToArray();
        try
        {
            algorithm.Mode = CipherMode.CBC;
            algorithm.Padding = PaddingMode.None;
            _encryptor = algorithm.CreateEncryptor(keyCopy, ivCopy);
            _decryptor = algorithm.CreateDecryptor(keyCopy, ivCopy);
            algorithm.Mode = CipherMode.ECB;
            _ecbDecryptor = algorithm.CreateDecryptor(keyCopy, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
        _chain = ivCopy;
        _peek = new byte[BlockBytes];
    }

    public static CbcMode Aes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        using var aes = System.Security.Cryptography.Aes.Create();
        return new CbcMode(aes, key, iv);
    }

    public static CbcMode TripleDes(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        using var des = System.Security.Cryptography.TripleDES.Create();
        return new CbcMode(des, key, iv);
    }

    public int BlockBytes { get; }

    public void Encrypt(Span<byte> data) => Transform(_encryptor, data, trackChain: false);

    public void Decrypt(Span<byte> data) => Transform(_decryptor, data, trackChain: true);

    public void PeekFirstBlock(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        ciphertext[..BlockBytes].CopyTo(_peek);
        _ecbDecryptor.TransformBlock(_peek, 0, BlockBytes, _peek, 0);
        for (int i = 0; i < BlockBytes; i++)
            plaintext[i] = (byte)(_peek[i] ^ _chain[i]);
        CryptographicOperations.ZeroMemory(_peek);
    }

    private void Transform(ICryptoTransform transform, Span<byte> data, bool trackChain)
    {
        if (data.Length % BlockBytes != 0)
            throw new ArgumentException("CBC data must be a whole number of blocks.", nameof(data));
        if (trackChain && !data.IsEmpty) data[^BlockBytes..].CopyTo(_chain);
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, ChunkBytes);
            data[..n].CopyTo(_scratch);
            transform.TransformBlock(_scratch, 0, n, _scratch, 0);
            _scratch.AsSpan(0, n).CopyTo(data);
            data = data[n..];
        }
        CryptographicOperations.ZeroMemory(_scratch);
    }

    public void Dispose()
    {
        _encryptor.Dispose();
        _decryptor.Dispose();
        _ecbDecryptor.Dispose();
        CryptographicOperations.ZeroMemory(_chain);
    }
}
