using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>Flow control (RFC 4254 §5.2): a sender keeps to the peer's window and packet size, the window we grant
/// re-opens only as the application reads, and a peer that breaks either rule is disconnected. Over
/// <see cref="MessagePipe"/>: <see cref="ChannelOutbound"/> on one side, <see cref="ChannelInbound"/> on the other.</summary>
public sealed class ChannelWindowTests
{
    [Test, CancelAfter(10_000)]
    public async Task A_sender_stops_at_the_peers_window_and_resumes_on_window_adjust(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 4096, clientMaxPacket: 1024);
        byte[] data = Pattern(10_000);

        Task sending = aServer.SendAllAsync(data, ct).AsTask();
        await WaitUntilAsync(() => pipe.Server.DataBytesSent() == 4096, ct);
        await Task.Delay(50, ct);
        Assert.That(pipe.Server.DataBytesSent(), Is.EqualTo(4096), "the sender went past the window");
        Assert.That(sending.IsCompleted, Is.False);

        byte[] received = new byte[data.Length];
        await ReadExactlyAsync(a, received.AsMemory(0, 2048), ct); // half the window: one WINDOW_ADJUST of 2048
        await WaitUntilAsync(() => pipe.Server.DataBytesSent() == 6144, ct);
        await Task.Delay(50, ct);
        Assert.That(pipe.Server.DataBytesSent(), Is.EqualTo(6144), "the sender went past the adjusted window");

        await ReadExactlyAsync(a, received.AsMemory(2048), ct);
        await sending.WaitAsync(ct);
        Assert.That(received, Is.EqualTo(data));
    }

    [Test, CancelAfter(10_000)]
    public async Task Window_adjusts_go_in_half_window_chunks_only_as_the_application_reads(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 8192, clientMaxPacket: 1024);
        await aServer.SendAllAsync(Pattern(8192), ct);
        await Task.Delay(50, ct);
        Assert.That(pipe.Client.Adjusts(), Is.Empty, "a window re-opened before the application read anything");

        byte[] buffer = new byte[8192];
        await ReadExactlyAsync(a, buffer.AsMemory(0, 4095), ct);
        Assert.That(pipe.Client.Adjusts(), Is.Empty, "less than half the window was read");
        await ReadExactlyAsync(a, buffer.AsMemory(4095, 1), ct);
        Assert.That(pipe.Client.Adjusts(), Is.EqualTo(new uint[] { 4096 }));
        await ReadExactlyAsync(a, buffer.AsMemory(4096, 4095), ct);
        Assert.That(pipe.Client.Adjusts(), Is.EqualTo(new uint[] { 4096 }));
        await ReadExactlyAsync(a, buffer.AsMemory(8191, 1), ct);
        Assert.That(pipe.Client.Adjusts(), Is.EqualTo(new uint[] { 4096, 4096 }));
        Assert.That(buffer, Is.EqualTo(Pattern(8192)));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_slow_reader_throttles_the_peer_so_nothing_beyond_the_window_is_in_flight_or_buffered(CancellationToken ct)
    {
        const int window = 16 * 1024;
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: window, clientMaxPacket: 4096);
        byte[] data = Pattern(128 * 1024);
        Task sending = SendThenEofAsync(aServer, data, ct);

        int reads = 0;
        byte[] received = await ReadToEndAsync(a, ct, chunk: 1000, afterRead: async read =>
        {
            Assert.That(pipe.Server.DataBytesSent() - read, Is.LessThanOrEqualTo(window), "the peer got ahead of the reader by more than the window");
            if (++reads % 16 == 0) await Task.Delay(1, ct);
        });
        await sending;
        Assert.That(received, Is.EqualTo(data));
        Assert.That(pipe.Client.Adjusts().Sum(x => (long)x), Is.LessThanOrEqualTo(data.Length), "the window re-opened for more than was read");
    }

    [TestCase(false, 1025, 0, TestName = "One message larger than the window")]
    [TestCase(false, 600, 600, TestName = "Two stdout messages that add up to more than the window")]
    [TestCase(true, 600, 600, TestName = "Stdout and stderr that add up to more than the shared window")]
    [CancelAfter(10_000)]
    public async Task A_peer_that_overruns_the_window_is_disconnected(bool secondOnStderr, int first, int second, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct, clientWindow: 1024);

        await pipe.Server.SendAsync(new ChannelDataMessage(a.LocalId, 0, Pattern(first)), ct);
        if (second > 0) await pipe.Server.SendAsync(new ChannelDataMessage(a.LocalId, secondOnStderr ? 1u : 0u, Pattern(second)), ct);

        SshProtocolException error = await ExpectProtocolErrorAsync(pipe.Client, "RFC 4254 §5.2", ct);
        Assert.That(error.Message, Does.Contain("window"));
        Assert.That(pipe.Server.IsConnected, Is.False, "the peer is disconnected");
    }

    [TestCase(0u, false, TestName = "An adjust of nothing is harmless")]
    [TestCase(uint.MaxValue - Channel.DefaultWindowSize, false, TestName = "An adjust up to 2^32-1 exactly is allowed")]
    [TestCase(uint.MaxValue - Channel.DefaultWindowSize + 1, true, TestName = "An adjust beyond 2^32-1 is a protocol error")]
    [CancelAfter(10_000)]
    public async Task A_window_adjust_may_grow_the_window_up_to_2_to_the_32_minus_1(uint bytesToAdd, bool isError, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct); // the server may send Channel.DefaultWindowSize bytes

        await pipe.Client.SendAsync(new ChannelWindowAdjustMessage(aServer.LocalId, bytesToAdd), ct);

        if (isError)
        {
            await ExpectProtocolErrorAsync(pipe.Server, "2^32-1", ct);
            return;
        }
        // A round trip after the adjust: the server's read loop is still running.
        Assert.That(await a.SendRequestAsync("fast", true, ReadOnlyMemory<byte>.Empty, ct), Is.True);
        Assert.That(pipe.Server.IsConnected, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task Data_is_cut_to_the_peers_maximum_packet_size_both_ways(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler { MaxPacketSize = 1024 });
        var (a, aServer) = await OpenAsync(pipe, ct, clientMaxPacket: 1000);
        Assert.That(aServer.RemoteMaxPacketSize, Is.EqualTo(1000));
        Assert.That(a.RemoteMaxPacketSize, Is.EqualTo(1024));

        await aServer.SendAllAsync(Pattern(5000), ct);
        await aServer.SendAllStderrAsync(Pattern(2500), ct);
        Assert.That(await aServer.SendAsync(Pattern(5000), ct), Is.EqualTo(1000), "send takes what one packet holds");
        await a.SendAllAsync(Pattern(3000), ct);

        Assert.That(pipe.Server.DataSizes(), Is.EqualTo(new[] { 1000, 1000, 1000, 1000, 1000, 1000 }));
        Assert.That(pipe.Server.DataSizes(extended: true), Is.EqualTo(new[] { 1000, 1000, 500 }));
        Assert.That(pipe.Client.DataSizes(), Is.EqualTo(new[] { 1024, 1024, 952 }));
        Assert.That(await a.MakeFile().ReadAsync(6000, ct), Is.EqualTo(Pattern(5000).Concat(Pattern(1000)).ToArray()));
        Assert.That(await a.MakeFileStderr().ReadAsync(2500, ct), Is.EqualTo(Pattern(2500)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Send_takes_only_what_the_window_allows_and_a_send_timeout_leaves_the_channel_usable(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 3000);

        Assert.That(await aServer.SendAsync(Pattern(5000), ct), Is.EqualTo(3000));
        Assert.That(aServer.SendReady(), Is.False);
        aServer.SetTimeout(TimeSpan.FromMilliseconds(30));
        Assert.ThrowsAsync<TimeoutException>(async () => await aServer.SendAsync(Pattern(10), ct));

        byte[] buffer = new byte[3000];
        await ReadExactlyAsync(a, buffer, ct);
        await WaitUntilAsync(aServer.SendReady, ct);
        Assert.That(await aServer.SendAsync(Pattern(10, seed: 1), ct), Is.EqualTo(10));
        await ReadExactlyAsync(a, buffer.AsMemory(0, 10), ct);
        Assert.That(buffer[..10], Is.EqualTo(Pattern(10, seed: 1)));
    }

    [Test, CancelAfter(10_000)]
    public async Task Blocking_sends_wait_for_window_on_their_thread_time_out_leaving_the_channel_usable_and_deliver_everything(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 3000);

        Assert.That(aServer.Send(Pattern(5000)), Is.EqualTo(3000));
        aServer.SetTimeout(TimeSpan.FromMilliseconds(30));
        Assert.Throws<TimeoutException>(() => aServer.Send(Pattern(10)));
        Assert.Throws<TimeoutException>(() => aServer.SendAllStderr(Pattern(10)));
        byte[] first = new byte[3000];
        await ReadExactlyAsync(a, first, ct);
        aServer.SetTimeout(TimeSpan.FromSeconds(5));

        // 20 windows' worth from a thread of its own, while the other side reads: every wait for window is woken.
        byte[] all = Pattern(60_000, seed: 3);
        var sender = new Thread(() => aServer.SendAll(all)) { IsBackground = true };
        sender.Start();
        byte[] received = new byte[all.Length];
        await ReadExactlyAsync(a, received, ct);
        Assert.That(sender.Join(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(received, Is.EqualTo(all));
    }

    // The smallest sizes an application may pick: ChannelOpenDecision.Accept wants a packet size of 1024 or more and
    // any positive window; the opener's sizes are not checked, so a window below the packet size is tried too.
    [TestCase(1024, 1024, 1024 * 1024)]
    [TestCase(1536, 1024, 256 * 1024)]
    [TestCase(100, 1024, 32 * 1024)]
    [CancelAfter(20_000)]
    public async Task Tiny_windows_and_packets_still_move_the_data_both_ways_at_once(int window, int maxPacket, int length, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler { WindowSize = window, MaxPacketSize = maxPacket });
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: window, clientMaxPacket: maxPacket);
        byte[] up = Pattern(length, seed: 1), down = Pattern(length, seed: 2);

        Task<byte[]> serverReads = ReadToEndAsync(aServer, ct);
        Task<byte[]> clientReads = ReadToEndAsync(a, ct);
        await Task.WhenAll(SendThenEofAsync(a, up, ct), SendThenEofAsync(aServer, down, ct));

        Assert.That(await serverReads, Is.EqualTo(up));
        Assert.That(await clientReads, Is.EqualTo(down));
        Assert.That(pipe.Client.DataSizes().Max(), Is.LessThanOrEqualTo(Math.Min(window, maxPacket)));
        Assert.That(pipe.Server.DataSizes().Max(), Is.LessThanOrEqualTo(Math.Min(window, maxPacket)));
    }

    private static async Task SendThenEofAsync(Channel channel, byte[] data, CancellationToken ct)
    {
        await channel.SendAllAsync(data, ct);
        await channel.ShutdownWriteAsync(ct);
    }
}
