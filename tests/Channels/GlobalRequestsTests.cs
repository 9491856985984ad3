using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>Global requests (RFC 4254 §4) from our side: replies matched in order with their data, a reply to
/// nothing a protocol error, no handler a refusal, and the connection's end failing whoever waits.
/// <see cref="ConnectionRequestTests"/> covers the order of the peer's.</summary>
public sealed class GlobalRequestsTests
{
    private static Task<byte[]?> Request(MessagePipe.End end, string name, bool wantReply, CancellationToken ct) =>
        end.Connection.GlobalRequests.SendAsync(name, ReadOnlyMemory<byte>.Empty, wantReply, ct);

    [Test, CancelAfter(10_000)]
    public async Task Replies_and_their_data_are_matched_to_our_requests_in_order(CancellationToken ct)
    {
        // The server's handler holds every "slow" request; the test answers in its place.
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Task<byte[]?> first = Request(pipe.Client, "slow", true, ct);
        Task<byte[]?> noReply = Request(pipe.Client, "slow", false, ct);
        Task<byte[]?> second = Request(pipe.Client, "slow", true, ct);
        Task<byte[]?> third = Request(pipe.Client, "slow", true, ct);
        Assert.That(await noReply, Is.Empty, "a request without want-reply is done once sent");

        await pipe.Server.SendAsync(new RequestSuccessMessage(new byte[] { 0, 0, 0x12, 0x34 }), ct);
        await pipe.Server.SendAsync(new EmptyMessage(MessageNumber.RequestFailure), ct);
        await pipe.Server.SendAsync(new RequestSuccessMessage(ReadOnlyMemory<byte>.Empty), ct);
        Assert.That(await first, Is.EqualTo(new byte[] { 0, 0, 0x12, 0x34 }));
        Assert.That(await second, Is.Null);
        Assert.That(await third, Is.Empty);
    }

    [TestCase((byte)MessageNumber.RequestSuccess)]
    [TestCase((byte)MessageNumber.RequestFailure)]
    [CancelAfter(10_000)]
    public async Task A_reply_to_a_global_request_never_made_is_a_protocol_error(byte reply, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Assert.That(await Request(pipe.Client, "fast", true, ct), Is.EqualTo("fast"u8.ToArray()));
        await pipe.Server.SendAsync(new EmptyMessage((MessageNumber)reply), ct);
        await ExpectProtocolErrorAsync(pipe.Client, "never made (RFC 4254 §4)", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_side_without_a_handler_refuses_every_global_request(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Assert.That(await Request(pipe.Server, "tcpip-forward", true, ct), Is.Null);
        Assert.That(await Request(pipe.Server, "keepalive@openssh.com", false, ct), Is.Empty);
        Assert.That(await Request(pipe.Server, "hostkeys-00@openssh.com", true, ct), Is.Null);
        Assert.That(pipe.Client.SentOf(MessageNumber.RequestFailure), Has.Length.EqualTo(2), "no reply to a request that wants none");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_handler_that_throws_refuses_and_the_requests_after_it_are_still_answered(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        Task<byte[]?> failing = Request(pipe.Client, "throw", true, ct);
        Task<byte[]?> after = Request(pipe.Client, "after", true, ct);
        Assert.That(await failing, Is.Null);
        Assert.That(await after, Is.EqualTo("after"u8.ToArray()));
        await WaitUntilAsync(() => { lock (handler.GlobalAnswered) return handler.GlobalAnswered.Count == 2; }, ct);
        lock (handler.GlobalAnswered) Assert.That(handler.GlobalAnswered, Is.EqualTo(new[] { "throw:False", "after:True" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task The_connection_ending_fails_the_requests_waiting_and_those_after(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Task<byte[]?> waiting = Request(pipe.Client, "slow", true, ct);
        await WaitUntilAsync(() => pipe.Client.SentOf(MessageNumber.GlobalRequest).Length == 1, ct);

        var error = new SshConnectionException("connection reset");
        pipe.Client.Fail(error);
        Assert.That(async () => await waiting.WaitAsync(ct), Throws.Exception.SameAs(error));
        Assert.That(async () => await Request(pipe.Client, "later", true, ct), Throws.Exception.SameAs(error));
    }
}
