using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>A channel's lifetime in <see cref="ConnectionService"/> (RFC 4254 §5.1, §5.3): opens answered in any
/// order, refused, or over the channel limit; closes from both sides at once; an open given up on; messages for a
/// channel that is not open; and the connection failing under every kind of waiter.</summary>
public sealed class ChannelOpenCloseTests
{
    private static Task<Channel> Open(MessagePipe pipe, string type, CancellationToken ct) =>
        pipe.Client.Connection.OpenChannelAsync(type, ReadOnlyMemory<byte>.Empty, ct);

    [Test, CancelAfter(10_000)]
    public async Task Opens_are_answered_as_they_are_decided_and_each_channel_finds_its_peer(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);

        Task<Channel> slowOpen = Open(pipe, "slow-open", ct);
        Channel fast = await Open(pipe, "fast-open", ct);
        Channel fastServer = await AcceptAsync(pipe, ct);
        Assert.That(slowOpen.IsCompleted, Is.False, "the fast open waited for the slow one");

        handler.Release.SetResult();
        Channel slow = await slowOpen;
        Channel slowServer = await AcceptAsync(pipe, ct);
        Assert.That((fastServer.ChannelType, slowServer.ChannelType), Is.EqualTo(("fast-open", "slow-open")));
        Assert.That((slow.RemoteId, fast.RemoteId), Is.EqualTo((slowServer.LocalId, fastServer.LocalId)));
        Assert.That((slowServer.RemoteId, fastServer.RemoteId), Is.EqualTo((slow.LocalId, fast.LocalId)));

        await slow.SendAllAsync("to slow"u8.ToArray(), ct);
        await fast.SendAllAsync("to fast"u8.ToArray(), ct);
        await slow.ShutdownWriteAsync(ct);
        await fast.ShutdownWriteAsync(ct);
        Assert.That(await ReadToEndAsync(slowServer, ct), Is.EqualTo("to slow"u8.ToArray()));
        Assert.That(await ReadToEndAsync(fastServer, ct), Is.EqualTo("to fast"u8.ToArray()));
    }

    [TestCase("refuse", ChannelOpenFailureReason.ConnectFailed, "no [2Jroute to host", TestName = "A refusal carries the handler's reason and text, cleaned")]
    [TestCase("throw", ChannelOpenFailureReason.ConnectFailed, "the handler failed", TestName = "A handler that throws refuses the open")]
    [CancelAfter(10_000)]
    public async Task A_refused_open_fails_with_a_ChannelException_and_leaves_no_channel(string type, ChannelOpenFailureReason reason,
        string text, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var error = Assert.ThrowsAsync<ChannelException>(() => Open(pipe, type, ct))!;
        Assert.That(error.Reason, Is.EqualTo(reason));
        Assert.That(error.Message, Does.Contain(text));
        Assert.That(pipe.Client.Connection.ChannelCount, Is.Zero);
        Assert.That(pipe.Server.Connection.ChannelCount, Is.Zero);

        // The connection is fine: the next open works.
        await OpenAsync(pipe, ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_side_without_a_handler_refuses_every_open(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var error = Assert.ThrowsAsync<ChannelException>(() =>
            pipe.Server.Connection.OpenChannelAsync("forwarded-tcpip", ReadOnlyMemory<byte>.Empty, ct))!;
        Assert.That(error.Reason, Is.EqualTo(ChannelOpenFailureReason.AdministrativelyProhibited));
    }

    /// <summary>Opens <paramref name="count"/> channels, each batch served on the server before the next. A batch
    /// takes half the room left, so the server's limit is never reached even if an open being answered counts for a
    /// moment both as still being decided and as open.</summary>
    private static async Task<List<Channel>> OpenManyAsync(MessagePipe pipe, int count, CancellationToken ct)
    {
        var channels = new List<Channel>(count);
        while (channels.Count < count)
        {
            int batch = Math.Max(1, (count - channels.Count) / 2);
            channels.AddRange(await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => Open(pipe, "session", ct))));
            for (int i = 0; i < batch; i++) await AcceptAsync(pipe, ct);
        }
        return channels;
    }

    [Test, CancelAfter(20_000)]
    public async Task Our_own_opens_stop_at_the_channel_limit_until_one_closes(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        List<Channel> channels = await OpenManyAsync(pipe, ConnectionService.MaxChannels, ct);
        int opensSent = pipe.Client.SentOf(MessageNumber.ChannelOpen).Length;

        var error = Assert.ThrowsAsync<ChannelException>(() => Open(pipe, "session", ct))!;
        Assert.That(error.Reason, Is.EqualTo(ChannelOpenFailureReason.ResourceShortage));
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelOpen), Has.Length.EqualTo(opensSent), "an open over the limit went out");

        await channels[17].CloseAsync(ct);
        Assert.That(pipe.Client.Connection.ChannelCount, Is.EqualTo(ConnectionService.MaxChannels - 1));
        Channel again = await Open(pipe, "session", ct);
        Assert.That(channels.Where(c => !c.Closed).Select(c => c.LocalId), Does.Not.Contain(again.LocalId), "an id still in use was given out");
    }

    [Test, CancelAfter(20_000)]
    public async Task The_peers_opens_over_the_channel_limit_are_refused_with_resource_shortage_counting_those_still_decided(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        // Opens the client's connection layer knows nothing of, all held in the server's handler.
        for (uint i = 0; i < ConnectionService.MaxChannels; i++)
            await pipe.Client.SendAsync(new ChannelOpenMessage("slow", 10_000 + i, 1024, 1024, ReadOnlyMemory<byte>.Empty), ct);

        var error = Assert.ThrowsAsync<ChannelException>(() => Open(pipe, "session", ct))!;
        Assert.That(error.Reason, Is.EqualTo(ChannelOpenFailureReason.ResourceShortage));
        Assert.That(error.Message, Does.Contain($"Too many open channels ({ConnectionService.MaxChannels})"));
    }

    [Test, CancelAfter(20_000)]
    public async Task Our_own_opens_count_the_peers_opens_still_decided_against_the_limit(CancellationToken ct)
    {
        // Each of the peer's opens holds its place under the limit while it is decided, so that accepting it can
        // never go over: an open of ours must not take one of those places.
        await using var pipe = new MessagePipe(new TestRequestHandler());
        for (uint i = 0; i < ConnectionService.MaxChannels; i++)
            await pipe.Client.SendAsync(new ChannelOpenMessage("slow", 10_000 + i, 1024, 1024, ReadOnlyMemory<byte>.Empty), ct);
        // One more, refused once the server's read loop has taken all of them.
        Assert.ThrowsAsync<ChannelException>(() => Open(pipe, "session", ct));

        var error = Assert.ThrowsAsync<ChannelException>(() => pipe.Server.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct))!;
        Assert.That(error.Reason, Is.EqualTo(ChannelOpenFailureReason.ResourceShortage));
        Assert.That(pipe.Server.SentOf(MessageNumber.ChannelOpen), Is.Empty, "an open over the limit went out");
    }

    [Test, CancelAfter(10_000)]
    public async Task Both_sides_closing_at_once_end_the_channel_once_with_one_close_each(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);

        // Both CLOSEs are on their way before either arrives.
        pipe.Client.SendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pipe.Server.SendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task closing = a.CloseAsync(ct);
        Task closingServer = aServer.CloseAsync(ct);
        pipe.Client.SendGate.SetResult();
        pipe.Server.SendGate.SetResult();
        await Task.WhenAll(closing, closingServer).WaitAsync(ct);
        await Task.WhenAll(a.Completion, aServer.Completion).WaitAsync(ct);

        await a.CloseAsync(ct);
        await aServer.CloseAsync(ct);
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelClose), Has.Length.EqualTo(1));
        Assert.That(pipe.Server.SentOf(MessageNumber.ChannelClose), Has.Length.EqualTo(1));
        Assert.That((pipe.Client.Connection.ChannelCount, pipe.Server.Connection.ChannelCount), Is.EqualTo((0, 0)));
        Assert.That((pipe.Client.IsConnected, pipe.Server.IsConnected), Is.EqualTo((true, true)), "a CLOSE for a closed channel broke the connection");
    }

    [Test, CancelAfter(10_000)]
    public async Task A_close_from_one_side_is_answered_and_ends_both(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await aServer.SendAllAsync("bye"u8.ToArray(), ct);

        await a.CloseAsync(ct);
        await aServer.Completion.WaitAsync(ct);
        Assert.That((a.Closed, aServer.Closed, aServer.EofReceived), Is.EqualTo((true, true, true)));
        Assert.That(await ReadToEndAsync(aServer, ct), Is.Empty);
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelClose), Has.Length.EqualTo(1));
        Assert.That(pipe.Server.SentOf(MessageNumber.ChannelClose), Has.Length.EqualTo(1));
        Assert.ThrowsAsync<SshException>(async () => await aServer.SendAllAsync("more"u8.ToArray(), ct));
    }

    /// <summary>Opens a channel the server's handler holds, and gives up on it once the CHANNEL_OPEN is out.</summary>
    private static async Task GiveUpOnOpenAsync(MessagePipe pipe, string type, CancellationToken ct)
    {
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<Channel> open = Open(pipe, type, giveUp.Token);
        await WaitUntilAsync(() => pipe.Client.SentOf(MessageNumber.ChannelOpen).Length == 1, ct);
        giveUp.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => open);
    }

    [Test, CancelAfter(10_000)]
    public async Task An_open_given_up_on_is_closed_when_its_confirmation_comes(CancellationToken ct)
    {
        var handler = new TestRequestHandler();
        await using var pipe = new MessagePipe(handler);
        await GiveUpOnOpenAsync(pipe, "slow", ct);

        handler.Release.SetResult();
        Channel server = await AcceptAsync(pipe, ct);
        await server.Completion.WaitAsync(ct);
        await WaitUntilAsync(() => pipe.Client.Connection.ChannelCount == 0, ct);
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelClose), Has.Length.EqualTo(1));
        Assert.That(pipe.Server.Connection.ChannelCount, Is.Zero);
    }

    [Test, CancelAfter(10_000)]
    public async Task An_open_given_up_on_and_then_refused_leaves_no_channel(CancellationToken ct)
    {
        var handler = new TestRequestHandler { IsSlow = _ => true };
        await using var pipe = new MessagePipe(handler);
        await GiveUpOnOpenAsync(pipe, "refuse", ct);

        handler.Release.SetResult();
        await WaitUntilAsync(() => pipe.Client.Connection.ChannelCount == 0, ct);
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelClose), Is.Empty, "nothing to close: the channel never opened");
        Assert.That(pipe.Client.IsConnected, Is.True);
    }

    private static IEnumerable<TestCaseData> MessagesForChannel77()
    {
        const uint id = 77;
        yield return new TestCaseData(new ChannelDataMessage(id, 0, new byte[3])).SetArgDisplayNames("data");
        yield return new TestCaseData(new ChannelDataMessage(id, 1, new byte[3])).SetArgDisplayNames("extended data");
        yield return new TestCaseData(new ChannelWindowAdjustMessage(id, 10)).SetArgDisplayNames("window adjust");
        yield return new TestCaseData(new ChannelSignalMessage(MessageNumber.ChannelEof, id)).SetArgDisplayNames("eof");
        yield return new TestCaseData(new ChannelSignalMessage(MessageNumber.ChannelClose, id)).SetArgDisplayNames("close");
        yield return new TestCaseData(new ChannelRequestMessage(id, "exit-status", false, new byte[4])).SetArgDisplayNames("request");
        yield return new TestCaseData(new ChannelSignalMessage(MessageNumber.ChannelSuccess, id)).SetArgDisplayNames("success");
        yield return new TestCaseData(new ChannelSignalMessage(MessageNumber.ChannelFailure, id)).SetArgDisplayNames("failure");
        yield return new TestCaseData(new ChannelOpenConfirmationMessage(id, 5, 1024, 1024)).SetArgDisplayNames("open confirmation");
        yield return new TestCaseData(new ChannelOpenFailureMessage(id, ChannelOpenFailureReason.ConnectFailed, "")).SetArgDisplayNames("open failure");
    }

    [TestCaseSource(nameof(MessagesForChannel77)), CancelAfter(10_000)]
    public async Task A_message_for_a_channel_that_is_not_open_is_a_protocol_error(object message, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        await OpenAsync(pipe, ct); // channel 0 exists; 77 does not
        await pipe.Server.SendAsync((IMessage)message, ct);
        await ExpectProtocolErrorAsync(pipe.Client, "channel 77, which is not open", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task Data_for_a_channel_after_it_closed_is_a_protocol_error(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await a.CloseAsync(ct);
        await aServer.Completion.WaitAsync(ct);

        await pipe.Server.SendAsync(new ChannelDataMessage(a.LocalId, 0, new byte[1]), ct);
        await ExpectProtocolErrorAsync(pipe.Client, $"channel {a.LocalId}, which is not open", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_second_confirmation_for_one_channel_is_a_protocol_error(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await pipe.Server.SendAsync(new ChannelOpenConfirmationMessage(a.LocalId, aServer.LocalId, 1024, 1024), ct);
        await ExpectProtocolErrorAsync(pipe.Client, "confirmed twice", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task The_connection_failing_wakes_every_waiter_with_the_error(CancellationToken ct)
    {
        var handler = new TestRequestHandler { WindowSize = 1024, IsSlow = name => name is "exec" or "slow" or "slow-open" };
        await using var pipe = new MessagePipe(handler);
        var (a, aServer) = await OpenAsync(pipe, ct);
        await aServer.SendAllStderrAsync("abc"u8.ToArray(), ct);
        await WaitUntilAsync(a.RecvStderrReady, ct);

        Task<int> reader = a.ReadAsync(new byte[10], ct).AsTask();
        Task writer = a.SendAllAsync(new byte[4096], ct).AsTask(); // the server's window is 1024
        Task exec = a.ExecCommandAsync("true", ct);
        Task<int> exitStatus = a.RecvExitStatusAsync(ct);
        Task<Channel> opening = Open(pipe, "slow-open", ct);
        Task<byte[]?> global = pipe.Client.Connection.GlobalRequests.SendAsync("slow", ReadOnlyMemory<byte>.Empty, wantReply: true, ct);
        await WaitUntilAsync(() => pipe.Client.SentOf(MessageNumber.GlobalRequest).Length == 1 && pipe.Client.DataBytesSent() == 1024
            && pipe.Client.SentOf(MessageNumber.ChannelRequest).Length == 1 && pipe.Client.SentOf(MessageNumber.ChannelOpen).Length == 2, ct);
        Assert.That(new Task[] { reader, writer, exec, exitStatus, opening, global }.Where(t => t.IsCompleted), Is.Empty);

        var error = new SshConnectionException("connection reset");
        pipe.Client.Fail(error);

        Assert.That(async () => await reader.WaitAsync(ct), Throws.Exception.SameAs(error), "reader");
        Assert.That(async () => await writer.WaitAsync(ct), Throws.Exception.SameAs(error), "writer");
        Assert.That(async () => await exec.WaitAsync(ct), Throws.Exception.SameAs(error), "request");
        Assert.That(async () => await opening.WaitAsync(ct), Throws.Exception.SameAs(error), "open");
        Assert.That(async () => await global.WaitAsync(ct), Throws.Exception.SameAs(error), "global request");
        Assert.That(await exitStatus.WaitAsync(ct), Is.EqualTo(-1), "no exit status came: -1, as paramiko");
        Assert.That(a.Closed, Is.True);

        // What was buffered is still read, then the error; new work fails with it too.
        Assert.That(await a.RecvStderrAsync(10, ct), Is.EqualTo("abc"u8.ToArray()));
        Assert.That(async () => await a.RecvStderrAsync(10, ct), Throws.Exception.SameAs(error));
        Assert.That(async () => await a.SendAllAsync(new byte[1], ct), Throws.Exception.SameAs(error));
        Assert.That(async () => await a.SendRequestAsync("env", false, ReadOnlyMemory<byte>.Empty, ct), Throws.Exception.SameAs(error));
        Assert.That(async () => await Open(pipe, "session", ct), Throws.Exception.SameAs(error));
        Assert.That(pipe.Client.Connection.ChannelCount, Is.Zero);
    }
}
