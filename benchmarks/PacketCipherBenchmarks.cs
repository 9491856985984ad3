using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Benchmarks;

/// <summary>Sealing and opening one 32 KiB-payload packet in place, for every registered cipher (and CTR with an
/// EtM and a classic MAC). Both must show 0 B allocated.</summary>
[MemoryDiagnoser]
[Config(typeof(WideParameterColumn))]
public class PacketCipherBenchmarks
{
    private sealed class WideParameterColumn : ManualConfig
    {
        public WideParameterColumn() => SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(48);
    }

    public const int PayloadLength = 32 * 1024;

    [Params(
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr+hmac-sha2-256-etm@openssh.com",
        "aes128-ctr+hmac-sha2-256",
        "aes256-ctr+hmac-sha2-256-etm@openssh.com",
        "aes256-ctr+hmac-sha2-256",
        "aes192-ctr+hmac-sha2-256-etm@openssh.com",
        "aes128-ctr+umac-64-etm@openssh.com",
        "aes128-ctr+umac-128-etm@openssh.com",
        "aes128-ctr+hmac-sha1",
        "aes128-cbc+hmac-sha2-256",
        "aes256-cbc+hmac-sha2-256-etm@openssh.com",
        "3des-cbc+hmac-sha1")]
    public string Cipher { get; set; } = "";

    private IPacketCipher _sealer = null!;
    private IPacketCipher _opener = null!;
    private byte[] _packet = null!;
    private byte[] _tag = null!;
    private uint _seq;

    [GlobalSetup]
    public void Setup()
    {
        string[] names = Cipher.Split('+');
        CipherInfo cipher = CipherRegistry.Find(names[0]) ?? throw new InvalidOperationException($"No cipher {names[0]}.");
        MacInfo? mac = names.Length > 1 ? MacRegistry.Find(names[1]) : null;
        var rng = new Random(42);
        byte[] key = new byte[cipher.KeySize], iv = new byte[cipher.IvSize], macKey = new byte[mac?.KeySize ?? 0];
        rng.NextBytes(key);
        rng.NextBytes(iv);
        rng.NextBytes(macKey);
        _sealer = cipher.Create(key, iv, mac?.Create(macKey));
        _opener = cipher.Create(key, iv, mac?.Create(macKey));

        // RFC 4253 §6: pad to the block size with at least 4 bytes of padding.
        int blockSize = Math.Max(_sealer.BlockSize, 8);
        int aligned = (_sealer.LengthExcludedFromAlignment ? 1 : 5) + PayloadLength;
        int padding = blockSize - aligned % blockSize;
        if (padding < 4)
            padding += blockSize;
        _packet = new byte[5 + PayloadLength + padding];
        rng.NextBytes(_packet);
        BinaryPrimitives.WriteUInt32BigEndian(_packet, (uint)(_packet.Length - 4));
        _packet[4] = (byte)padding;
        _tag = new byte[_sealer.TagSize];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sealer.Dispose();
        _opener.Dispose();
    }

    [Benchmark]
    public void Seal() => _sealer.Seal(_seq++, _packet, _tag);

    /// <summary>Seal then open the same packet in place; Open's cost is this minus <see cref="Seal"/>.</summary>
    [Benchmark]
    public void SealOpen()
    {
        uint seq = _seq++;
        _sealer.Seal(seq, _packet, _tag);
        _opener.Open(seq, _packet, _tag);
    }
}
