using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using Ssh.Channels;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Wire;

namespace Ssh.Benchmarks;

/// <summary>
/// The whole per-packet hot path for SSH_MSG_CHANNEL_DATA with a 32 KiB payload, for each cipher.
/// <see cref="Outbound"/> is what <c>SshSession.SendAsync</c> does for a data message (build it in the writer's
/// buffer, pad, seal, write the sealed bytes to a stream), with <see cref="Stream.Null"/> as the socket.
/// <see cref="RoundTrip"/> does the same into a fixed <see cref="MemoryStream"/> standing in for the wire, then the
/// receiving side: <see cref="PacketReader.TryReadPacket"/> over a <see cref="ReadOnlySequence{T}"/> of those bytes,
/// the header parsed in place as <c>ConnectionService.OnData</c> does, the data copied into a
/// <see cref="ChannelBuffer"/> and taken out again by the consumer. The sending writer and the receiving reader
/// advance their sequence numbers in step, so every invocation is a valid packet. Inbound ≈ RoundTrip − Outbound.
/// All must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(WideParameterColumn))]
public class ChannelDataPathBenchmarks
{
    private sealed class WideParameterColumn : ManualConfig
    {
        public WideParameterColumn() => SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(48);
    }

    public const int DataLength = 32 * 1024;
    private const uint RecipientChannel = 7;

    [Params(
        "chacha20-poly1305@openssh.com",
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr+hmac-sha2-256-etm@openssh.com",
        "aes256-ctr+hmac-sha2-256")]
    public string Cipher { get; set; } = "";

    private byte[] _data = null!;
    private byte[] _consumed = null!;
    private byte[] _wire = null!;
    private MemoryStream _wireStream = null!;
    private PacketWriter _outbound = null!;     // Outbound: seals to Stream.Null
    private PacketWriter _sender = null!;       // RoundTrip: seals to _wireStream ...
    private PacketReader _receiver = null!;     // ... and this opens it, sequence numbers in step
    private ChannelBuffer _channelBuffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        string[] names = Cipher.Split('+');
        CipherInfo cipher = CipherRegistry.Find(names[0]) ?? throw new InvalidOperationException($"No cipher {names[0]}.");
        MacInfo? mac = names.Length > 1 ? MacRegistry.Find(names[1]) ?? throw new InvalidOperationException($"No MAC {names[1]}.") : null;
        var rng = new Random(42);
        byte[] key = new byte[cipher.KeySize], iv = new byte[cipher.IvSize], macKey = new byte[mac?.KeySize ?? 0];
        rng.NextBytes(key);
        rng.NextBytes(iv);
        rng.NextBytes(macKey);

        _data = new byte[DataLength];
        rng.NextBytes(_data);
        _consumed = new byte[DataLength];
        _wire = new byte[PacketLimits.BufferSize];
        _wireStream = new MemoryStream(_wire, writable: true);

        _outbound = new PacketWriter(Stream.Null);
        _outbound.SetCipher(cipher.Create(key, iv, mac?.Create(macKey)), resetSequenceNumber: true);
        _sender = new PacketWriter(_wireStream);
        _sender.SetCipher(cipher.Create(key, iv, mac?.Create(macKey)), resetSequenceNumber: true);
        _receiver = new PacketReader(PipeReader.Create(Stream.Null));
        _receiver.SetCipher(cipher.Create(key, iv, mac?.Create(macKey)), resetSequenceNumber: true);
        _channelBuffer = new ChannelBuffer();

        // Correctness, checked once per case: a few packets must come out exactly as they went in (this also grows
        // the ring buffer to its steady-state size before measuring).
        Outbound();
        for (int i = 0; i < 3; i++)
        {
            Array.Clear(_consumed);
            RoundTrip();
            if (!_consumed.AsSpan().SequenceEqual(_data))
                throw new InvalidOperationException($"{Cipher}: the data read out differs from the data sent.");
        }
        if (_sender.SequenceNumber != _receiver.SequenceNumber)
            throw new InvalidOperationException($"{Cipher}: sender and receiver sequence numbers diverged.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _outbound.Dispose();
        _sender.Dispose();
        _receiver.Dispose();
    }

    /// <summary>Build a channel data message in the writer's buffer, seal it and write it (to Stream.Null).</summary>
    [Benchmark]
    public void Outbound() => Send(_outbound);

    /// <summary>Send as in <see cref="Outbound"/> (onto an in-memory wire), then receive it into the channel buffer
    /// and drain that into the consumer's buffer.</summary>
    [Benchmark]
    public int RoundTrip()
    {
        _wireStream.Position = 0;
        Send(_sender);
        var wire = new ReadOnlySequence<byte>(_wire, 0, (int)_wireStream.Position);
        if (!_receiver.TryReadPacket(ref wire, out int payloadLength) || !wire.IsEmpty)
            throw new InvalidOperationException("The packet did not read back whole.");
        ReadOnlySpan<byte> payload = _receiver.Payload(payloadLength);

        // As ConnectionService.OnData: the header parsed in place, the data handed on as a slice.
        const int header = ChannelDataMessage.HeaderSize;
        if (payload.Length < header || payload[0] != (byte)MessageNumber.ChannelData)
            throw new InvalidOperationException("Not a channel data message.");
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(payload[1..]);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(payload[(header - 4)..]);
        if (recipient != RecipientChannel || length != payload.Length - header)
            throw new InvalidOperationException("The channel data header is wrong.");
        _channelBuffer.Write(payload[header..]);

        int read = _channelBuffer.TryRead(_consumed, out _);
        if (read != DataLength)
            throw new InvalidOperationException($"Read {read} bytes out of the channel buffer, expected {DataLength}.");
        return read;
    }

    private void Send(PacketWriter writer)
    {
        // As SshSession.SendAsync: Fill (SshWriter over Payload) then WriteAsync (pad, seal, write).
        var w = new SshWriter(writer.Payload);
        new ChannelDataMessage(RecipientChannel, 0, _data).Write(ref w);
        ValueTask write = writer.WriteAsync(w.Position, CancellationToken.None);
        if (!write.IsCompletedSuccessfully)
            throw new InvalidOperationException("Writing to an in-memory stream should complete synchronously.");
        write.GetAwaiter().GetResult();
    }
}
