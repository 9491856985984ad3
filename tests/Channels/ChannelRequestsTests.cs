using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>Channel requests from our side (RFC 4254 §5.4): replies matched to requests in order, a reply to nothing
/// a protocol error; and the remote command's exit status and signal (§6.10). <see cref="ConnectionRequestTests"/>
/// covers the peer's requests.</summary>
public sealed class ChannelRequestsTests
{
    private static Task<bool> Request(Channel channel, string type, bool wantReply, CancellationToken ct) =>
        channel.SendRequestAsync(type, wantReply, ReadOnlyMemory<byte>.Empty, ct);

    [Test, CancelAfter(10_000)]
    public async Task Replies_are_matched_to_our_requests_in_order_skipping_those_that_want_none(CancellationToken ct)
    {
        // The server's handler holds every "slow" request; the test answers in its place.
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);

        Task<bool> first = Request(a, "slow", true, ct);
        Task<bool> noReply = Request(a, "slow", false, ct);
        Task<bool> second = Request(a, "slow", true, ct);
        Task<bool> third = Request(a, "slow", true, ct);
        Assert.That(await noReply, Is.True, "a request without want-reply is done once sent");
        await Task.Delay(20, ct);
        Assert.That(first.IsCompleted || second.IsCompleted || third.IsCompleted, Is.False);

        foreach (MessageNumber reply in new[] { MessageNumber.ChannelFailure, MessageNumber.ChannelSuccess, MessageNumber.ChannelFailure })
            await pipe.Server.SendAsync(new ChannelSignalMessage((MessageNumber)reply, a.LocalId), ct);
        Assert.That(new[] { await first, await second, await third }, Is.EqualTo(new[] { false, true, false }));
    }

    [Test, CancelAfter(10_000)]
    public async Task The_peers_real_replies_reach_the_requests_they_answer(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        string[] types = ["one", "two-no", "three", "four-no", "five"];
        bool[] replies = await Task.WhenAll(types.Select(t => Request(a, t, true, ct)));
        Assert.That(replies, Is.EqualTo(new[] { true, false, true, false, true }));
    }

    [TestCase((byte)MessageNumber.ChannelSuccess)]
    [TestCase((byte)MessageNumber.ChannelFailure)]
    [CancelAfter(10_000)]
    public async Task A_reply_to_a_request_never_made_is_a_protocol_error(byte reply, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        Assert.That(await Request(a, "fast", true, ct), Is.True);

        await pipe.Server.SendAsync(new ChannelSignalMessage((MessageNumber)reply, a.LocalId), ct);
        await ExpectProtocolErrorAsync(pipe.Client, "never made (RFC 4254 §5.4)", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_request_waiting_for_its_reply_when_the_channel_closes_is_refused(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        Task<bool> waiting = Request(a, "slow", true, ct);
        await WaitUntilAsync(() => pipe.Client.SentOf(MessageNumber.ChannelRequest).Length == 1, ct);

        await aServer.CloseAsync(ct);
        Assert.That(await waiting.WaitAsync(ct), Is.False);
        Assert.That(pipe.Client.IsConnected, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_side_without_a_handler_refuses_the_peers_requests(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (_, aServer) = await OpenAsync(pipe, ct);
        Assert.That(await Request(aServer, "keepalive@openssh.com", true, ct), Is.False, "RFC 4254 §5.4: unknown requests are refused");
    }

    [TestCase(0)]
    [TestCase(42)]
    [TestCase(255)]
    [CancelAfter(10_000)]
    public async Task The_exit_status_is_recorded(int status, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        Task<int> waiting = a.RecvExitStatusAsync(ct);
        Assert.That(a.ExitStatusReady(), Is.False);

        await aServer.SendExitStatusAsync(status, ct);
        Assert.That(await waiting, Is.EqualTo(status));
        Assert.That(a.ExitStatusReady(), Is.True);
        Assert.That(await a.RecvExitStatusAsync(ct), Is.EqualTo(status));
        Assert.That(a.ExitSignal, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task The_exit_signal_is_recorded_its_text_cleaned_and_the_status_is_minus_1(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await aServer.SendExitSignalAsync("TERM", coreDumped: true, "killed\u001b[2J by\r\n admin", ct);

        Assert.That(await a.RecvExitStatusAsync(ct), Is.EqualTo(-1));
        Assert.That(a.ExitSignal, Is.EqualTo(new ExitSignal("TERM", true, "killed[2J by admin")));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_channel_that_closes_without_an_exit_status_gives_minus_1(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        Task<int> waiting = a.RecvExitStatusAsync(ct);
        await aServer.CloseAsync(ct);
        Assert.That(await waiting, Is.EqualTo(-1));
        Assert.That(a.ExitStatusReady(), Is.True);
        Assert.That(a.ExitSignal, Is.Null);
    }

    [Test, CancelAfter(10_000)]
    public async Task The_exit_status_is_recorded_while_requests_of_the_handler_are_still_being_decided(CancellationToken ct)
    {
        // The server's side has a handler, so the client's requests are queued there; exit-status is the channel's own.
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        var (a, aServer) = await OpenAsync(pipe, ct);
        Task<bool> slow = Request(a, "slow", true, ct);
        await a.SendExitStatusAsync(3, ct);
        await Task.Delay(20, ct);
        Assert.That(aServer.ExitStatusReady(), Is.False, "the exit status overtook the request still being decided");

        handler.Release.SetResult();
        Assert.That(await slow, Is.True);
        Assert.That(await aServer.RecvExitStatusAsync(ct), Is.EqualTo(3));
        lock (handler.Decided) Assert.That(handler.Decided, Is.EqualTo(new[] { "slow" }), "exit-status is not the handler's to decide");
    }
}
