using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>Regressions found by the connection layer's own tests: a cancelled send must leave nothing behind, an
/// open being answered counts once against the channel limit, and a channel closed unread leaves no spill file.</summary>
public sealed class ConnectionLayerRegressionTests
{
    [Test, CancelAfter(5_000)]
    public async Task Channel_request_cancelled_before_it_was_sent_does_not_take_the_next_reply(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        pipe.Client.SendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<bool> cancelled = a.SendRequestAsync("fast", true, ReadOnlyMemory<byte>.Empty, giveUp.Token);
        giveUp.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => cancelled);
        pipe.Client.SendGate.SetResult();
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelRequest), Is.Empty, "the cancelled request never went out");

        Assert.That(await a.SendRequestAsync("next-no", true, ReadOnlyMemory<byte>.Empty, ct), Is.False);
    }

    [Test, CancelAfter(5_000)]
    public async Task Global_request_cancelled_before_it_was_sent_does_not_take_the_next_reply(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        pipe.Client.SendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<byte[]?> cancelled = pipe.Client.Connection.GlobalRequests.SendAsync("fast", ReadOnlyMemory<byte>.Empty, true, giveUp.Token);
        giveUp.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => cancelled);
        pipe.Client.SendGate.SetResult();

        Assert.That(await pipe.Client.Connection.GlobalRequests.SendAsync("next-no", ReadOnlyMemory<byte>.Empty, true, ct), Is.Null);
    }

    [Test, CancelAfter(5_000)]
    public async Task Open_cancelled_before_the_CHANNEL_OPEN_was_sent_leaves_no_channel(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        pipe.Client.SendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<Channel> open = pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, giveUp.Token);
        giveUp.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => open);
        pipe.Client.SendGate.SetResult();
        Assert.That(pipe.Client.SentOf(MessageNumber.ChannelOpen), Is.Empty);

        await Task.Delay(200, ct);
        Assert.That(pipe.Client.Connection.ChannelCount, Is.Zero, "the channel given up on still counts against the limit");
    }

    [Test, CancelAfter(10_000)]
    public async Task Spill_file_is_deleted_when_the_channel_closes_unread(CancellationToken ct)
    {
        using var temp = new TempDirectoryScope();
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct, clientWindow: 64 * 1024);
        Task sending = Task.Run(async () =>
        {
            await aServer.SendAllStderrAsync(Pattern(512 * 1024), ct);
            await aServer.ShutdownWriteAsync(ct);
        }, ct);
        Assert.That(await ReadToEndAsync(a, ct), Is.Empty);
        await sending;
        Assert.That(temp.Files, Is.Not.Empty);

        await a.CloseAsync(ct);
        Assert.That(a.Closed, Is.True);
        Assert.That(temp.Files, Is.Empty, "the unread output stays on disk after the channel closed");
    }

    [Test, CancelAfter(30_000)]
    public async Task An_open_decided_while_the_read_loop_checks_the_next_against_the_limit_counts_once(CancellationToken ct)
    {
        // The table is filled to 64 short of the limit, then the last 64 are opened at once, round after round, so
        // the limit is reached exactly each time. While the read loop checks an open against the limit, earlier ones
        // are being decided and become channels on other threads: each must count once, as pending or as a channel,
        // or the last open of the round is refused. While the read loop's check and the move from pending to open
        // were separate steps, this failed in 9 runs out of 10 on an idle two-core machine.
        const int AtOnce = 64, Rounds = 200;
        await using var pipe = new MessagePipe(new TestRequestHandler());
        Task<Channel> Open() => pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct);
        await Task.WhenAll(Enumerable.Range(0, ConnectionService.MaxChannels - AtOnce).Select(_ => Open()));
        for (int round = 0; round < Rounds; round++)
        {
            Channel[] last = await Task.WhenAll(Enumerable.Range(0, AtOnce).Select(_ => Open()));
            Assert.That(pipe.Server.Connection.ChannelCount, Is.EqualTo(ConnectionService.MaxChannels));
            foreach (Channel c in last) await c.CloseAsync(ct);
        }
    }

    private sealed class SlowOpenedHandler : IConnectionRequestHandler
    {
        public readonly ManualResetEventSlim Gate = new(false);
        public ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken ct) =>
            ValueTask.FromResult(ChannelOpenDecision.Accept(opened: _ =>
            {
                if (request.ChannelType == "slow-opened") Gate.Wait(TimeSpan.FromSeconds(5));
                return false;
            }));
        public ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken ct) => ValueTask.FromResult(true);
        public void OnChannelRequestAccepted(Channel channel, ChannelRequest request) { }
        public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken ct) => ValueTask.FromResult<byte[]?>(null);
        public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted) { }
    }

    [Test, CancelAfter(20_000)]
    public async Task A_channel_whose_Opened_callback_is_still_running_counts_once_against_the_limit(CancellationToken ct)
    {
        var handler = new SlowOpenedHandler();
        await using var pipe = new MessagePipe(handler);
        Channel[] channels = await Task.WhenAll(Enumerable.Range(0, ConnectionService.MaxChannels - 1)
            .Select(_ => pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct)));
        await pipe.Client.Connection.OpenChannelAsync("slow-opened", ReadOnlyMemory<byte>.Empty, ct);
        await Task.Delay(200, ct);
        Assert.That(pipe.Server.Connection.ChannelCount, Is.EqualTo(ConnectionService.MaxChannels));

        await channels[0].CloseAsync(ct);
        Assert.That(pipe.Server.Connection.ChannelCount, Is.EqualTo(ConnectionService.MaxChannels - 1));
        try
        {
            Channel again = await pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct);
            Assert.That(again.Closed, Is.False, "a channel being answered was counted twice against the limit");
        }
        finally
        {
            handler.Gate.Set();
        }
    }
}
