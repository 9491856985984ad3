using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>AES in counter mode as SSH uses it (RFC 4344 §4): the IV is a 128-bit big-endian counter, incremented
/// once per 16-byte block, carrying on across packets for the life of the key.</summary>
/// <remarks>The keystream comes from a reused ECB transform run over a chunk of counter blocks at a time (one call
/// into the platform's AES per chunk, so AES-NI sees long runs), then is XORed in with wide vectors. The scratch
/// buffers are allocated once, so applying the keystream allocates nothing.</remarks>
internal sealed class AesCtrKeystream : IBlockMode
{
    public const int BlockBytes = 16;
    private const int ChunkBytes = 8192;

    private readonly ICryptoTransform _ecb;
    private readonly byte[] _counters = new byte[ChunkBytes];
    private readonly byte[] _keystream = new byte[ChunkBytes];
    private ulong _high;
    private ulong _low;

    public AesCtrKeystream(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        if (key.Length is not (16 or 24 or 32))
            throw new ArgumentException($"AES takes a 16-, 24- or 32-byte key, not {key.Length} bytes.", nameof(key));
        if (iv.Length != BlockBytes)
            throw new ArgumentException($"AES-CTR takes a {BlockBytes}-byte initial counter, not {iv.Length} bytes.", nameof(iv));
        using Aes aes = Aes.Create();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        byte[] keyCopy = key.ToArray();
        try
        {
            _ecb = aes.CreateEncryptor(keyCopy, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
        _high = BinaryPrimitives.ReadUInt64BigEndian(iv);
        _low = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
    }

    int IBlockMode.BlockBytes => BlockBytes;

    void IBlockMode.Encrypt(Span<byte> data) => Apply(data);

    void IBlockMode.Decrypt(Span<byte> data) => Apply(data);

    void IBlockMode.PeekFirstBlock(ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        PeekBlock(plaintext[..BlockBytes]);
        for (int i = 0; i < BlockBytes; i++)
            plaintext[i] ^= ciphertext[i];
    }

    /// <summary>XORs the next <c>data.Length</c> bytes of keystream into <paramref name="data"/>, whose length is a
    /// multiple of 16, and advances the counter past them.</summary>
    public void Apply(Span<byte> data)
    {
        if (data.Length % BlockBytes != 0)
            throw new ArgumentException("AES-CTR data must be a whole number of 16-byte blocks.", nameof(data));
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, ChunkBytes);
            FillCounters(n / BlockBytes);
            _ecb.TransformBlock(_counters, 0, n, _keystream, 0);
            Xor(data[..n], _keystream);
            data = data[n..];
        }
    }

    /// <summary>Writes the keystream of the next block into <paramref name="block"/> without advancing.</summary>
    public void PeekBlock(Span<byte> block)
    {
        ulong high = _high, low = _low;
        FillCounters(1);
        _high = high;
        _low = low;
        _ecb.TransformBlock(_counters, 0, BlockBytes, _keystream, 0);
        _keystream.AsSpan(0, BlockBytes).CopyTo(block);
    }

    private void FillCounters(int blocks)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(_counters.AsSpan(0, blocks * BlockBytes));
        ulong high = _high, low = _low;
        ulong highWord = BigEndian(high);
        for (int i = 0; i < words.Length; i += 2)
        {
            words[i] = highWord;
            words[i + 1] = BigEndian(low);
            if (++low == 0)
                highWord = BigEndian(++high);
        }
        _high = high;
        _low = low;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong BigEndian(ulong value) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte k = ref MemoryMarshal.GetReference(keystream);
        nuint n = (nuint)data.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 64 <= n; i += 64)
                (Vector512.LoadUnsafe(ref d, i) ^ Vector512.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= n; i += 32)
                (Vector256.LoadUnsafe(ref d, i) ^ Vector256.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
        }
        for (; i + 16 <= n; i += 16)
            (Vector128.LoadUnsafe(ref d, i) ^ Vector128.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
        for (; i < n; i++)
            Unsafe.Add(ref d, i) ^= Unsafe.Add(ref k, i);
    }

    public void Dispose()
    {
        _ecb.Dispose();
        CryptographicOperations.ZeroMemory(_counters);
        CryptographicOperations.ZeroMemory(_keystream);
        _high = _low = 0;
    }
}
