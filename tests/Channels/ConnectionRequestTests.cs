using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Tests.Channels;

/// <summary>The peer's requests are decided off the read loop and still answered in the order RFC 4254 requires;
/// extended data of unknown types is dropped and its window credited back. Over <see cref="MessagePipe"/>.</summary>
public sealed class ConnectionRequestTests
{
    [Test, CancelAfter(10_000)]
    public async Task A_slow_request_holds_back_the_replies_after_it_and_nothing_else(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var (a, _) = await ChannelTestKit.OpenAsync(pipe, ct);
        var (b, bServer) = await ChannelTestKit.OpenAsync(pipe, ct);

        Task<bool> slow = a.SendRequestAsync("slow", true, ReadOnlyMemory<byte>.Empty, ct);
        Task<bool> refused = a.SendRequestAsync("fast-no", true, ReadOnlyMemory<byte>.Empty, ct);
        Task<bool> after = a.SendRequestAsync("fast", true, ReadOnlyMemory<byte>.Empty, ct);

        // Channel b is not held up by a's slow decision: its request is answered, and its data flows.
        Assert.That(await b.SendRequestAsync("other", true, ReadOnlyMemory<byte>.Empty, ct), Is.True);
        await bServer.SendAllAsync(new byte[100_000], ct);
        byte[] buffer = new byte[100_000];
        int read = 0;
        while (read < buffer.Length) read += await b.ReadAsync(buffer.AsMemory(read), ct);

        Assert.That(slow.IsCompleted || refused.IsCompleted || after.IsCompleted, Is.False, "replies overtook the slow request's");
        handler.Release.SetResult();
        Assert.That(await slow, Is.True);
        Assert.That(await refused, Is.False);
        Assert.That(await after, Is.True);
        lock (handler.Decided) Assert.That(handler.Decided, Is.EqualTo(new[] { "other", "slow", "fast-no", "fast" }));
        lock (handler.Accepted) Assert.That(handler.Accepted, Is.EqualTo(new[] { "other", "slow", "fast" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task The_peers_close_waits_behind_its_requests_and_no_reply_follows_a_close(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var (a, aServer) = await ChannelTestKit.OpenAsync(pipe, ct);

        Task<bool> slow = a.SendRequestAsync("slow", true, ReadOnlyMemory<byte>.Empty, ct);
        await pipe.Client.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelClose, a.RemoteId), ct);
        await Task.Delay(100, ct);
        Assert.That(aServer.Closed, Is.False, "the close overtook the request still being decided");

        handler.Release.SetResult();
        Assert.That(await slow, Is.True);
        await aServer.Completion.WaitAsync(ct);
        byte[][] sent = pipe.Server.Sent.ToArray();
        int success = Array.FindIndex(sent, p => p[0] == (byte)MessageNumber.ChannelSuccess);
        int close = Array.FindIndex(sent, p => p[0] == (byte)MessageNumber.ChannelClose);
        Assert.That(success, Is.GreaterThanOrEqualTo(0).And.LessThan(close), "the reply must go before our CLOSE");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_reply_decided_after_we_closed_the_channel_is_not_sent(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var (a, aServer) = await ChannelTestKit.OpenAsync(pipe, ct);

        _ = a.SendRequestAsync("slow", true, ReadOnlyMemory<byte>.Empty, ct);
        while (!pipe.Client.Sent.Any(p => p[0] == (byte)MessageNumber.ChannelRequest)) await Task.Delay(5, ct);
        await Task.Delay(50, ct);
        await aServer.CloseAsync(ct);
        handler.Release.SetResult();
        await Task.Delay(100, ct);

        byte[][] sent = pipe.Server.Sent.ToArray();
        int close = Array.FindIndex(sent, p => p[0] == (byte)MessageNumber.ChannelClose);
        Assert.That(close, Is.GreaterThanOrEqualTo(0));
        Assert.That(sent.Skip(close + 1).Where(p => p[0] is (byte)MessageNumber.ChannelSuccess or (byte)MessageNumber.ChannelFailure), Is.Empty,
            "RFC 4254 §5.3: nothing is sent on a channel after its CLOSE");
    }

    [Test, CancelAfter(10_000)]
    public async Task Global_requests_are_answered_in_order_with_their_data(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var requests = pipe.Client.Connection.GlobalRequests;

        Task<byte[]?> slow = requests.SendAsync("slow", ReadOnlyMemory<byte>.Empty, wantReply: true, ct);
        Task<byte[]?> no = requests.SendAsync("fast-no", ReadOnlyMemory<byte>.Empty, wantReply: true, ct);
        Task<byte[]?> yes = requests.SendAsync("fast", ReadOnlyMemory<byte>.Empty, wantReply: true, ct);
        await Task.Delay(100, ct);
        Assert.That(slow.IsCompleted || no.IsCompleted || yes.IsCompleted, Is.False);

        handler.Release.SetResult();
        Assert.That(await slow, Is.EqualTo("slow"u8.ToArray()));
        Assert.That(await no, Is.Null);
        Assert.That(await yes, Is.EqualTo("fast"u8.ToArray()));
        await Task.Delay(50, ct);
        lock (handler.GlobalAnswered) Assert.That(handler.GlobalAnswered, Is.EqualTo(new[] { "slow:True", "fast-no:False", "fast:True" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_peer_that_never_waits_for_replies_is_disconnected_not_queued_without_bound(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var (a, _) = await ChannelTestKit.OpenAsync(pipe, ct);

        for (int i = 0; i <= ChannelRequests.MaxQueued + 1; i++)
            await pipe.Client.SendAsync(new ChannelRequestMessage(a.RemoteId, "slow", true, ReadOnlyMemory<byte>.Empty), ct);

        await pipe.Server.ReadLoop.WaitAsync(ct);
        Assert.That(pipe.Server.CloseReason, Is.InstanceOf<SshProtocolException>());
        Assert.That(pipe.Server.CloseReason!.Message, Does.Contain($"more than {ChannelRequests.MaxQueued} requests"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Extended_data_of_an_unknown_type_is_dropped_and_its_window_credited_back(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await ChannelTestKit.OpenAsync(pipe, ct);

        // Type 2 is not stderr (RFC 4254 §5.2 defines only 1): a full window of it, then real stdout and stderr.
        int chunk = a.LocalMaxPacketSize;
        for (int sent = 0; sent < a.LocalWindowSize; sent += chunk)
            await pipe.Server.SendAsync(new ChannelDataMessage(a.LocalId, 2, new byte[Math.Min(chunk, a.LocalWindowSize - sent)]), ct);
        await aServer.SendAllAsync("out"u8.ToArray(), ct);
        await aServer.SendAllStderrAsync("err"u8.ToArray(), ct);
        await aServer.ShutdownWriteAsync(ct);

        Assert.That(await a.MakeFile().ReadAsync(cancellationToken: ct), Is.EqualTo("out"u8.ToArray()));
        Assert.That(await a.MakeFileStderr().ReadAsync(cancellationToken: ct), Is.EqualTo("err"u8.ToArray()));
        long credited = pipe.Client.Sent.Where(p => p[0] == (byte)MessageNumber.ChannelWindowAdjust)
            .Sum(p => (long)BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(5)));
        Assert.That(credited, Is.GreaterThanOrEqualTo(a.LocalWindowSize / 2), "the dropped bytes' window must come back");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_message_number_the_connection_protocol_does_not_know_is_left_to_the_session(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        pipe.Server.Deliver([89]); // unassigned in the connection range (RFC 4250 §4.1.2)
        while (pipe.Server.Unclaimed.IsEmpty) await Task.Delay(5, ct);
        Assert.That(pipe.Server.Unclaimed, Is.EqualTo(new byte[] { 89 }));
        Assert.That(pipe.Server.Sent, Is.Empty, "UNIMPLEMENTED is the session's to send, once");
    }
}
