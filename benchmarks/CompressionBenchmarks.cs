using BenchmarkDotNet.Attributes;
using Ssh.Transport.Algorithms.Compression;

namespace Ssh.Benchmarks;

/// <summary>zlib per packet (RFC 4253 §6.2): compressing one 32 KiB payload of C header text into the packet and
/// decompressing it on the other side, with the streams and buffers of one direction reused, as the packet layer does.
/// Allocated must be 0 B per packet.</summary>
[MemoryDiagnoser]
public class CompressionBenchmarks
{
    private const int PayloadLength = 32 * 1024;

    private ICompressor _compressor = null!;
    private IDecompressor _decompressor = null!;
    private byte[][] _payloads = null!;
    private byte[] _packet = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _compressor = CompressionRegistry.CreateCompressor(CompressionRegistry.ZlibOpenSsh)!;
        _decompressor = CompressionRegistry.CreateDecompressor(CompressionRegistry.ZlibOpenSsh)!;
        byte[] text = Directory.EnumerateFiles("/usr/include", "*.h", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllBytes).Take(64 * PayloadLength).ToArray();
        _payloads = Enumerable.Range(0, text.Length / PayloadLength).Select(i => text.AsSpan(i * PayloadLength, PayloadLength).ToArray()).ToArray();
        _packet = new byte[PayloadLength + 1024];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _compressor.Dispose();
        _decompressor.Dispose();
    }

    /// <summary>One payload compressed into the packet buffer (what <c>PacketWriter</c> does before sealing).</summary>
    [Benchmark]
    public int Compress() => _compressor.Compress(_payloads[_next++ % _payloads.Length], _packet);

    /// <summary>Compressed and then decompressed by the peer's stream; Decompress = this − Compress.</summary>
    [Benchmark]
    public int CompressDecompress()
    {
        int n = _compressor.Compress(_payloads[_next++ % _payloads.Length], _packet);
        return _decompressor.Decompress(_packet.AsSpan(0, n)).Length;
    }
}
