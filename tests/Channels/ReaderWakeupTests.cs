using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Channels;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>How the read loop wakes a channel's reader: held back while more packets are being taken in at once, then
/// woken when the read loop is about to wait or enough bytes are waiting; and the blocking reads (paramiko's shape)
/// that the read loop wakes directly.</summary>
public sealed class ReaderWakeupTests
{
    /// <summary>CHANNEL_DATA (RFC 4254 §5.2) for <paramref name="recipient"/> carrying <paramref name="data"/>.</summary>
    private static byte[] Data(uint recipient, ReadOnlySpan<byte> data)
    {
        byte[] payload = new byte[9 + data.Length];
        payload[0] = 94;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), recipient);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(5), (uint)data.Length);
        data.CopyTo(payload.AsSpan(9));
        return payload;
    }

    /// <summary>As the client's read loop in the middle of a burst: CHANNEL_DATA of <paramref name="packet"/> for
    /// <paramref name="channel"/> as long as one more would stay under the wake threshold; returns the bytes delivered.</summary>
    private static async Task<int> DeliverUpToThresholdAsync(MessagePipe pipe, Channel channel, byte[] packet, CancellationToken ct)
    {
        int sent = 0;
        while (sent + packet.Length < ChannelBuffer.WakeThreshold)
        {
            await pipe.Client.Connection.HandleMessageAsync(Data(channel.LocalId, packet), ct);
            sent += packet.Length;
        }
        return sent;
    }

    [Test, CancelAfter(10_000)]
    public async Task A_waiting_reader_is_woken_when_the_read_loop_goes_idle_not_per_packet(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, _) = await OpenAsync(pipe, ct);
        byte[] buffer = new byte[1 << 20];
        ValueTask<int> read = client.ReadAsync(buffer, ct);
        Assert.That(read.IsCompleted, Is.False);

        // This test acts as the client's read loop in the middle of a burst: two packets taken in, more to come.
        Assert.That(await pipe.Client.Connection.HandleMessageAsync(Data(client.LocalId, Pattern(1000, 1)), ct), Is.True);
        Assert.That(await pipe.Client.Connection.HandleMessageAsync(Data(client.LocalId, Pattern(500, 2)), ct), Is.True);
        await Task.Delay(50, ct);
        Assert.That(read.IsCompleted, Is.False, "the reader was woken in the middle of the burst");
        Assert.That(client.RecvReady(), Is.True, "the data is there for anyone who looks without waiting");

        pipe.Client.Connection.OnReadIdle();
        Assert.That(await read.AsTask().WaitAsync(ct), Is.EqualTo(1500), "one wake-up, both packets");
        Assert.That(buffer.AsSpan(0, 1000).SequenceEqual(Pattern(1000, 1)) && buffer.AsSpan(1000, 500).SequenceEqual(Pattern(500, 2)));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_waiting_reader_is_woken_mid_burst_once_the_threshold_of_bytes_waits(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, _) = await OpenAsync(pipe, ct);
        byte[] buffer = new byte[1 << 20];
        ValueTask<int> read = client.ReadAsync(buffer, ct);
        byte[] packet = Pattern(Channel.DefaultMaxPacketSize, 3);
        int sent = await DeliverUpToThresholdAsync(pipe, client, packet, ct);
        await Task.Delay(30, ct);
        Assert.That(read.IsCompleted, Is.False, $"woken with only {sent} bytes waiting");
        await pipe.Client.Connection.HandleMessageAsync(Data(client.LocalId, packet), ct);
        Assert.That(await read.AsTask().WaitAsync(ct), Is.EqualTo(sent + packet.Length), "the threshold did not wake the reader");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_busy_channel_does_not_hold_up_a_quiet_ones_reader_beyond_the_threshold(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (quiet, _) = await OpenAsync(pipe, ct);
        var (busy, _) = await OpenAsync(pipe, ct);
        byte[] buffer = new byte[1000];
        ValueTask<int> read = quiet.ReadAsync(buffer, ct);
        await pipe.Client.Connection.HandleMessageAsync(Data(quiet.LocalId, "$ "u8), ct);
        // The busy channel's packets keep the read loop from waiting; its own reader is not reading at all.
        byte[] packet = Pattern(Channel.DefaultMaxPacketSize, 6);
        int sent = await DeliverUpToThresholdAsync(pipe, busy, packet, ct);
        Assert.That(read.IsCompleted, Is.False, $"woken after only {sent} bytes of the busy channel");
        await pipe.Client.Connection.HandleMessageAsync(Data(busy.LocalId, packet), ct);
        Assert.That(await read.AsTask().WaitAsync(ct), Is.EqualTo(2), "the quiet reader waited for the busy channel to pause");
    }

    [Test, CancelAfter(10_000)]
    public async Task The_end_of_the_stream_wakes_a_held_back_reader_at_once(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, _) = await OpenAsync(pipe, ct);
        Task<byte[]> all = ReadToEndAsync(client, ct);
        await pipe.Client.Connection.HandleMessageAsync(Data(client.LocalId, Pattern(700, 4)), ct);
        byte[] eof = new byte[5];
        eof[0] = 96; // CHANNEL_EOF
        BinaryPrimitives.WriteUInt32BigEndian(eof.AsSpan(1), client.LocalId);
        await pipe.Client.Connection.HandleMessageAsync(eof, ct);
        Assert.That(await all.WaitAsync(ct), Is.EqualTo(Pattern(700, 4)));
    }

    [Test, CancelAfter(20_000)]
    public async Task A_blocking_reader_on_its_own_thread_gets_every_byte_in_order(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, server) = await OpenAsync(pipe, ct, clientWindow: 64 * 1024, clientMaxPacket: 4096);
        byte[] sent = Pattern(3_000_000, 5);
        Task send = Task.Run(async () =>
        {
            await server.SendAllAsync(sent, ct);
            await server.ShutdownWriteAsync(ct);
        }, ct);
        byte[] received = await Task.Factory.StartNew(() =>
        {
            var all = new MemoryStream();
            byte[] buffer = new byte[10_000];
            int n;
            while ((n = client.Read(buffer, ct)) > 0) all.Write(buffer, 0, n);
            return all.ToArray();
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await send;
        Assert.That(received, Is.EqualTo(sent), "the window re-opens as the blocking reader takes bytes out");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_blocking_read_times_out_with_TimeoutException_and_reads_on(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, server) = await OpenAsync(pipe, ct);
        client.SetTimeout(TimeSpan.FromMilliseconds(40));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(() => client.Recv(10), Throws.InstanceOf<TimeoutException>().With.Message.Contains("0.04 s"));
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(35));
        await server.SendAllAsync("late"u8.ToArray(), ct);
        await server.SendStderrAsync("err"u8.ToArray(), ct);
        client.SetTimeout(TimeSpan.FromSeconds(5));
        Assert.That(client.Recv(10), Is.EqualTo("late"u8.ToArray()));
        Assert.That(client.RecvStderr(10), Is.EqualTo("err"u8.ToArray()));
        using var stream = client.AsStream(ownsChannel: false);
        Assert.That(() => stream.ReadTimeout = 30, Throws.Nothing);
        Assert.That(() => stream.Read(new byte[4], 0, 4), Throws.InstanceOf<TimeoutException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task Cancelling_a_blocking_read_throws_OperationCanceledException(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (client, _) = await OpenAsync(pipe, ct);
        using var cts = new CancellationTokenSource(50);
        Assert.That(() => client.Read(new byte[10], cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }
}
