using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Benchmarks;

/// <summary>
/// chacha20-poly1305@openssh.com beside the platform's RFC 8439 ChaCha20-Poly1305 in one run, over a 32 KiB packet:
/// the <c>Ratio</c> column is the comparison the speed target is stated in (seal and open each at least 80 % of the
/// platform AEAD's speed, i.e. a ratio of 1.25 or less). Both our paths: the platform's libcrypto (what runs where it
/// is there) and the managed fallback.
/// </summary>
[MemoryDiagnoser]
public class ChaCha20Poly1305Benchmarks
{
    private const int DataLength = 32 * 1024;
    private readonly byte[] _key = new byte[64];
    private readonly byte[] _packet = new byte[4 + DataLength];
    private readonly byte[] _sealed = new byte[4 + DataLength];
    private readonly byte[] _work = new byte[4 + DataLength];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _sealedTag = new byte[16];
    private readonly byte[] _nonce = new byte[12];
    private System.Security.Cryptography.ChaCha20Poly1305 _platform = null!;
    private OpenSslChaCha20Poly1305PacketCipher _libcrypto = null!;
    private ChaCha20Poly1305PacketCipher _managed = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_key);
        new Random(2).NextBytes(_packet);
        BinaryPrimitives.WriteUInt32BigEndian(_packet, DataLength);
        _platform = new System.Security.Cryptography.ChaCha20Poly1305(_key.AsSpan(0, 32));
        _libcrypto = new OpenSslChaCha20Poly1305PacketCipher(_key);
        _managed = new ChaCha20Poly1305PacketCipher(_key);
        _packet.CopyTo(_sealed, 0);
        _libcrypto.Seal(7, _sealed, _sealedTag);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _platform.Dispose();
        _libcrypto.Dispose();
        _managed.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void PlatformRfc8439Encrypt() => _platform.Encrypt(_nonce, _packet.AsSpan(4), _work.AsSpan(4), _tag);

    [Benchmark]
    public void SealLibcrypto() => _libcrypto.Seal(7, _work, _tag);

    [Benchmark]
    public void OpenLibcrypto()
    {
        _sealed.CopyTo(_work, 0);
        _libcrypto.Open(7, _work, _sealedTag);
    }

    [Benchmark]
    public void SealManaged() => _managed.Seal(7, _work, _tag);
}
