using NUnit.Framework;
using Ssh.Channels;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>paramiko's accept over the channels the peer opened: null on a timeout or when the connection closes,
/// and an accept given up on never swallows the next channel.</summary>
public sealed class AcceptQueueTests
{
    private static Task<Channel?> Accept(MessagePipe pipe, Task connectionClosed, TimeSpan? timeout, CancellationToken ct) =>
        pipe.Server.Connection.Accepted.AcceptAsync(connectionClosed, timeout, ct);

    [Test, CancelAfter(10_000)]
    public async Task An_accept_that_times_out_returns_null_and_does_not_swallow_the_next_channel(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Task forever = Task.Delay(Timeout.Infinite, ct);
        Assert.That(await Accept(pipe, forever, TimeSpan.FromMilliseconds(20), ct), Is.Null);

        Channel opened = await pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct);
        Channel? accepted = await Accept(pipe, forever, TimeSpan.FromSeconds(5), ct);
        Assert.That(accepted?.RemoteId, Is.EqualTo(opened.LocalId));
    }

    [Test, CancelAfter(10_000)]
    public async Task An_accept_returns_null_when_the_connection_closes(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var closed = new TaskCompletionSource();
        Task<Channel?> accepting = Accept(pipe, closed.Task, null, ct);
        await Task.Delay(10, ct);
        Assert.That(accepting.IsCompleted, Is.False);
        closed.SetResult();
        Assert.That(await accepting.WaitAsync(ct), Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task Channels_opened_before_anyone_accepts_wait_in_order(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Channel first = await pipe.Client.Connection.OpenChannelAsync("first", ReadOnlyMemory<byte>.Empty, ct);
        Channel second = await pipe.Client.Connection.OpenChannelAsync("second", ReadOnlyMemory<byte>.Empty, ct);
        Assert.That((await AcceptAsync(pipe, ct)).ChannelType, Is.EqualTo(first.ChannelType));
        Assert.That((await AcceptAsync(pipe, ct)).ChannelType, Is.EqualTo(second.ChannelType));
    }
}
