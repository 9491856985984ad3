using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>A channel as a <see cref="Stream"/>: bytes both ways, a timeout that leaves it usable, and disposal that
/// ends the channel only when the stream owns it.</summary>
public sealed class ChannelStreamTests
{
    [Test, CancelAfter(10_000)]
    public async Task Bytes_go_both_ways_and_disposing_sends_EOF_then_CLOSE(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 4096, clientMaxPacket: 1024);
        byte[] up = Pattern(100_000, seed: 1), down = Pattern(50_000, seed: 2);

        Task<byte[]> serverReads = ReadToEndAsync(aServer, ct);
        Task serverWrites = aServer.SendAllAsync(down, ct).AsTask();
        var stream = a.AsStream();
        await stream.WriteAsync(up, ct);
        var received = new byte[down.Length];
        await stream.ReadExactlyAsync(received, ct);
        await stream.DisposeAsync();

        Assert.That(received, Is.EqualTo(down));
        Assert.That(await serverReads, Is.EqualTo(up));
        await serverWrites;
        Assert.That(a.Closed, Is.True);
        byte[] ends = pipe.Client.Sent.Select(p => p[0]).Where(n => n is (byte)MessageNumber.ChannelEof or (byte)MessageNumber.ChannelClose).ToArray();
        Assert.That(ends, Is.EqualTo(new[] { (byte)MessageNumber.ChannelEof, (byte)MessageNumber.ChannelClose }));
        Assert.That(stream.CanRead || stream.CanWrite, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task Blocking_writes_of_arrays_and_spans_wait_for_window_on_their_thread_and_arrive_in_order(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 4096, clientMaxPacket: 1024);
        byte[] first = Pattern(40_000, seed: 4), second = Pattern(30_000, seed: 5);
        Stream stream = a.AsStream();

        Task<byte[]> serverReads = ReadToEndAsync(aServer, ct);
        var writer = new Thread(() =>
        {
            stream.Write(first, 0, first.Length); // sent straight from the array, ten windows' worth
            stream.Write(second.AsSpan());        // through a pooled copy
            stream.Dispose();                     // EOF, then CLOSE: the reader's end
        })
        { IsBackground = true };
        writer.Start();

        Assert.That(await serverReads, Is.EqualTo(first.Concat(second).ToArray()));
        Assert.That(writer.Join(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(() => stream.Write(first, 0, 1), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task A_stream_that_does_not_own_the_channel_leaves_it_open(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        int sentBefore = pipe.Client.Sent.Count;
        var stream = a.AsStream(ownsChannel: false);
        await stream.DisposeAsync();
        Assert.That(pipe.Client.Sent, Has.Count.EqualTo(sentBefore));
        Assert.That(a.Closed, Is.False);
        Assert.That(async () => await stream.ReadAsync(new byte[1], ct), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task A_read_timeout_raises_TimeoutException_and_the_stream_reads_on(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await using var stream = a.AsStream();
        Assert.That(stream.ReadTimeout, Is.EqualTo(Timeout.Infinite));
        stream.ReadTimeout = 30;
        Assert.That(a.GetTimeout(), Is.EqualTo(TimeSpan.FromMilliseconds(30)));
        Assert.That(async () => await stream.ReadAsync(new byte[1], ct), Throws.InstanceOf<TimeoutException>());

        await aServer.SendAllAsync("late"u8.ToArray(), ct);
        byte[] buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer, ct);
        Assert.That(buffer, Is.EqualTo("late"u8.ToArray()));
    }
}
