using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Macs;

/// <summary>
/// UMAC (RFC 4418) as OpenSSH uses it: <c>umac-64@openssh.com</c> and <c>umac-128@openssh.com</c> and their
/// <c>-etm</c> twins. The key is 16 bytes (AES-128); the nonce is the packet's sequence number as a big-endian uint64;
/// the message is the packet itself (no sequence number in front, unlike HMAC).
/// <code>
/// Tag = UHASH(K, M, taglen) XOR PDF(K, Nonce, taglen)
/// UHASH, per 4-byte slice of the tag: L3-HASH(L2-HASH(L1-HASH(M)))  (NH over 1 KiB chunks, a polynomial mod 2^64 − 59,
///        an inner product mod 2^36 − 5)
/// </code>
/// The subkeys come from the RFC's KDF at construction, so a packet costs one AES block and no allocation.
/// </summary>
internal sealed class UmacMac : IMac
{
    private const int L1Bytes = 1024;
    private const ulong P64 = ulong.MaxValue - 58; // 2^64 − 59
    private const ulong P36 = (1UL << 36) - 5;
    private const ulong MaxWordRange64 = ulong.MaxValue - 0xFFFF_FFFFUL; // 2^64 − 2^32
    private const ulong Mask64 = 0x01FF_FFFF_01FF_FFFFUL;

    private readonly int _iterations;
    private readonly uint[] _l1Key;    // 256 + 4·(iterations − 1) words
    private readonly ulong[] _l2Key;   // k64 per iteration (only the 64-bit polynomial: SSH packets are far below 2^17 L1 outputs)
    private readonly ulong[] _l3Key1;  // 8 words per iteration, reduced mod 2^36 − 5
    private readonly uint[] _l3Key2;   // 1 word per iteration
    private readonly ICryptoTransform _pdf;
    private readonly byte[] _pdfBlock = new byte[16];
    private readonly ulong[] _l1Output = new ulong[256]; // ≤ 256 KiB packets: at most 256 chunks

    /// <param name="key">16 bytes (RFC 4418 §3: AES-128).</param>
    /// <param name="tagBytes">8 (UMAC-64) or 16 (UMAC-128).</param>
    /// <param name="encryptThenMac">The <c>-etm@openssh.com</c> arrangement (OpenSSH PROTOCOL §1.5).</param>
    public UmacMac(ReadOnlySpan<byte> key, int tagBytes, bool encryptThenMac)
    {
        if (key.Length != 16) throw new ArgumentException($"UMAC takes a 16-byte key, not {key.Length} bytes.", nameof(key));
        if (tagBytes is not (8 or 16)) throw new ArgumentException("UMAC here is UMAC-64 or UMAC-128.", nameof(tagBytes));
        Size = tagBytes;
        EncryptThenMac = encryptThenMac;
        _iterations = tagBytes / 4;

        using Aes aes = Aes.Create();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        byte[] keyCopy = key.ToArray();
        byte[] l1 = [], l2 = [], l3a = [], l3b = [], pdfKey = [];
        try
        {
            using ICryptoTransform kdf = aes.CreateEncryptor(keyCopy, null);
            // RFC 4418 §3.2.1 and §5.1: the subkeys by index.
            pdfKey = Kdf(kdf, 0, 16);
            l1 = Kdf(kdf, 1, L1Bytes + (_iterations - 1) * 16);
            l2 = Kdf(kdf, 2, _iterations * 24);
            l3a = Kdf(kdf, 3, _iterations * 64);
            l3b = Kdf(kdf, 4, _iterations * 4);
            _l1Key = new uint[l1.Length / 4];
            for (int i = 0; i < _l1Key.Length; i++) _l1Key[i] = BinaryPrimitives.ReadUInt32BigEndian(l1.AsSpan(4 * i));
            _l2Key = new ulong[_iterations];
            for (int i = 0; i < _iterations; i++) _l2Key[i] = BinaryPrimitives.ReadUInt64BigEndian(l2.AsSpan(24 * i)) & Mask64;
            _l3Key1 = new ulong[_iterations * 8];
            for (int i = 0; i < _l3Key1.Length; i++) _l3Key1[i] = BinaryPrimitives.ReadUInt64BigEndian(l3a.AsSpan(8 * i)) % P36;
            _l3Key2 = new uint[_iterations];
            for (int i = 0; i < _iterations; i++) _l3Key2[i] = BinaryPrimitives.ReadUInt32BigEndian(l3b.AsSpan(4 * i));
            _pdf = aes.CreateEncryptor(pdfKey, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
            CryptographicOperations.ZeroMemory(l1);
            CryptographicOperations.ZeroMemory(l2);
            CryptographicOperations.ZeroMemory(l3a);
            CryptographicOperations.ZeroMemory(l3b);
            CryptographicOperations.ZeroMemory(pdfKey);
        }
    }

    public int Size { get; }

    public bool EncryptThenMac { get; }

    /// <summary>RFC 4418 §3.2.1 KDF: AES_K(uint64(index) ‖ uint64(i)) for i = 1, 2, …, truncated.</summary>
    private static byte[] Kdf(ICryptoTransform aes, ulong index, int length)
    {
        var output = new byte[(length + 15) / 16 * 16];
        var block = new byte[16];
        for (int i = 0; i < output.Length / 16; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(block, index);
            BinaryPrimitives.WriteUInt64BigEndian(block.AsSpan(8), (ulong)(i + 1));
            aes.TransformBlock(block, 0, 16, output, 16 * i);
        }
        return output[..length];
    }

    public void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> output) => ComputeWithNonce(sequenceNumber, data, output);

    /// <summary>UMAC with any 8-byte nonce (SSH's is the sequence number), for the RFC's test vectors.</summary>
    internal void ComputeWithNonce(ulong nonce, ReadOnlySpan<byte> data, Span<byte> output)
    {
        if ((data.Length + L1Bytes - 1) / L1Bytes > _l1Output.Length)
            throw new ArgumentException("UMAC here covers packets of up to 256 KiB.", nameof(data));
        // PDF (RFC 4418 §4.1): the nonce is uint64(seq); UMAC-64 takes half of one AES block, chosen by the nonce's
        // low bit, which is cleared before encrypting.
        int index = Size == 8 ? (int)(nonce & 1) : 0;
        Array.Clear(_pdfBlock);
        BinaryPrimitives.WriteUInt64BigEndian(_pdfBlock, Size == 8 ? nonce & ~1UL : nonce);
        _pdf.TransformBlock(_pdfBlock, 0, 16, _pdfBlock, 0);
        ReadOnlySpan<byte> pad = _pdfBlock.AsSpan(index * Size, Size);

        for (int it = 0; it < _iterations; it++)
        {
            int chunks = L1Hash(data, 4 * it);
            // L2 (§5.3): a message of one chunk skips the polynomial: B = 0^64 ‖ A.
            ulong high = 0, low = _l1Output[0];
            if (data.Length > L1Bytes) (high, low) = (0, Poly64(_l2Key[it], chunks));
            uint c = L3Hash(high, low, it);
            BinaryPrimitives.WriteUInt32BigEndian(output[(4 * it)..], c ^ BinaryPrimitives.ReadUInt32BigEndian(pad[(4 * it)..]));
        }
        CryptographicOperations.ZeroMemory(_pdfBlock);
    }

    /// <summary>L1-HASH (§5.2): NH of each 1 KiB chunk (words read little-endian: the RFC's ENDIAN-SWAP), plus the
    /// chunk's length in bits; the last chunk zero-padded to a multiple of 32 bytes. Returns the number of chunks.</summary>
    private int L1Hash(ReadOnlySpan<byte> data, int keyOffset)
    {
        int chunks = Math.Max(1, (data.Length + L1Bytes - 1) / L1Bytes);
        ReadOnlySpan<uint> key = _l1Key.AsSpan(keyOffset);
        Span<byte> last = stackalloc byte[L1Bytes];
        for (int c = 0; c < chunks; c++)
        {
            ReadOnlySpan<byte> chunk = data.Slice(c * L1Bytes, Math.Min(L1Bytes, data.Length - c * L1Bytes));
            ulong bits = (ulong)chunk.Length * 8;
            if (chunk.Length % 32 == 0 && !chunk.IsEmpty)
            {
                _l1Output[c] = Nh(key, chunk) + bits;
                continue;
            }
            int padded = Math.Max(32, (chunk.Length + 31) / 32 * 32);
            last[..padded].Clear();
            chunk.CopyTo(last);
            _l1Output[c] = Nh(key, last[..padded]) + bits;
        }
        return chunks;
    }

    /// <summary>NH (§5.2.2) over a multiple of 32 bytes: sums of (m_i + k_i)·(m_{i+4} + k_{i+4}) mod 2^64, each sum
    /// mod 2^32.</summary>
    private static ulong Nh(ReadOnlySpan<uint> key, ReadOnlySpan<byte> message)
    {
        ulong y = 0;
        for (int i = 0; i < message.Length / 4; i += 8)
        {
            ReadOnlySpan<byte> m = message.Slice(4 * i, 32);
            y += (ulong)(Word(m, 0) + key[i]) * (Word(m, 4) + key[i + 4]);
            y += (ulong)(Word(m, 1) + key[i + 1]) * (Word(m, 5) + key[i + 5]);
            y += (ulong)(Word(m, 2) + key[i + 2]) * (Word(m, 6) + key[i + 6]);
            y += (ulong)(Word(m, 3) + key[i + 3]) * (Word(m, 7) + key[i + 7]);
        }
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(ReadOnlySpan<byte> m, int i) => BinaryPrimitives.ReadUInt32LittleEndian(m[(4 * i)..]);

    /// <summary>POLY(64, 2^64 − 2^32, k, M) of §5.3 over the L1 outputs, mod p64 = 2^64 − 59.</summary>
    private ulong Poly64(ulong k, int words)
    {
        ulong y = 1;
        for (int i = 0; i < words; i++)
        {
            ulong m = _l1Output[i];
            if (m >= MaxWordRange64)
            {
                y = MulAddMod(k, y, P64 - 1);
                y = MulAddMod(k, y, m - 59);
            }
            else
            {
                y = MulAddMod(k, y, m);
            }
        }
        return y;
    }

    private static ulong MulAddMod(ulong k, ulong y, ulong m) => (ulong)(((UInt128)k * y + m) % P64);

    /// <summary>L3-HASH (§5.4): the 16-byte B as eight 16-bit words against eight key words, mod 2^36 − 5, then mod
    /// 2^32, XOR the second key.</summary>
    private uint L3Hash(ulong high, ulong low, int iteration)
    {
        ReadOnlySpan<ulong> k = _l3Key1.AsSpan(8 * iteration, 8);
        ulong y = 0;
        for (int i = 0; i < 4; i++)
        {
            y += ((high >> (48 - 16 * i)) & 0xFFFF) * k[i];
            y += ((low >> (48 - 16 * i)) & 0xFFFF) * k[i + 4];
        }
        return (uint)(y % P36) ^ _l3Key2[iteration];
    }

    public void Dispose()
    {
        _pdf.Dispose();
        Array.Clear(_l1Key);
        Array.Clear(_l2Key);
        Array.Clear(_l3Key1);
        Array.Clear(_l3Key2);
        Array.Clear(_l1Output);
    }
}
