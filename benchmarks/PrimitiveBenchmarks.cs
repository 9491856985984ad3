using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Benchmarks;

/// <summary>The primitives under the packet ciphers, over 32 KiB: our own ChaCha20 block and Poly1305, and the
/// platform calls, as a same-run baseline for <see cref="PacketCipherBenchmarks"/> on a noisy machine.</summary>
[MemoryDiagnoser]
public class PrimitiveBenchmarks
{
    private readonly byte[] _key = new byte[32];
    private readonly byte[] _data = new byte[32 * 1024];
    private readonly byte[] _tag = new byte[64];
    private readonly byte[] _nonce = new byte[12];
    private readonly uint[] _keyWords = new uint[8];
    private readonly byte[] _block = new byte[64];
    private AesGcm _gcm = null!;
    private System.Security.Cryptography.ChaCha20Poly1305 _chacha = null!;
    private IncrementalHash _hmac = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        new Random(2).NextBytes(_key);
        ChaCha20.LoadKey(_key, _keyWords);
        _gcm = new AesGcm(_key.AsSpan(0, 16), 16);
        _chacha = new System.Security.Cryptography.ChaCha20Poly1305(_key);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gcm.Dispose();
        _chacha.Dispose();
        _hmac.Dispose();
    }

    [Benchmark]
    public void OurPoly1305() => Poly1305.ComputeTag(_key, _data, _tag.AsSpan(0, 16));

    [Benchmark]
    public void OurChaCha20Block() => ChaCha20.Block(_keyWords, 0, 0, 0, 7, _block);

    [Benchmark]
    public void PlatformAes128Gcm() => _gcm.Encrypt(_nonce, _data, _data, _tag.AsSpan(0, 16));

    [Benchmark]
    public void PlatformChaCha20Poly1305() => _chacha.Encrypt(_nonce, _data, _data, _tag.AsSpan(0, 16));

    [Benchmark]
    public void PlatformHmacSha256()
    {
        _hmac.AppendData(_data);
        _hmac.GetHashAndReset(_tag.AsSpan(0, 32));
    }
}
