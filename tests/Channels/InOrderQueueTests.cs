using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;

namespace Ssh.Tests.Channels;

/// <summary>The queue behind the peer's requests: one at a time, in order, off the caller's thread, bounded, and
/// emptied when the connection goes away.</summary>
public sealed class InOrderQueueTests
{
    [Test, CancelAfter(10_000)]
    public async Task Items_are_handled_one_at_a_time_in_the_order_they_came(CancellationToken ct)
    {
        var handled = new List<int>();
        int running = 0, overlaps = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new InOrderQueue<int>(async item =>
        {
            if (Interlocked.Increment(ref running) > 1) Interlocked.Increment(ref overlaps);
            await Task.Delay(item % 3, ct);
            lock (handled) handled.Add(item);
            Interlocked.Decrement(ref running);
            if (item == 19) done.SetResult();
        }, capacity: 64, "items");

        for (int i = 0; i < 20; i++) queue.Enqueue(i);
        await done.Task.WaitAsync(ct);
        lock (handled) Assert.That(handled, Is.EqualTo(Enumerable.Range(0, 20)));
        Assert.That(overlaps, Is.Zero);
        await ChannelTestKit.WaitUntilAsync(() => !queue.IsBusy, ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task EnqueueIfBusy_queues_only_behind_work_in_progress(CancellationToken ct)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new List<string>();
        var queue = new InOrderQueue<string>(async item =>
        {
            if (item == "hold") await release.Task.WaitAsync(ct);
            lock (handled) handled.Add(item);
        }, capacity: 8, "items");

        Assert.That(queue.EnqueueIfBusy("idle"), Is.False, "nothing is going on: the caller handles it itself");
        queue.Enqueue("hold");
        Assert.That(queue.IsBusy, Is.True);
        Assert.That(queue.EnqueueIfBusy("behind"), Is.True);
        release.SetResult();
        await ChannelTestKit.WaitUntilAsync(() => !queue.IsBusy, ct);
        lock (handled) Assert.That(handled, Is.EqualTo(new[] { "hold", "behind" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task More_waiting_items_than_the_capacity_is_a_protocol_error(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new InOrderQueue<int>(async _ =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
        }, capacity: 2, "requests on channel 5");
        queue.Enqueue(1);
        await started.Task.WaitAsync(ct); // the first is being handled, no longer waiting
        queue.Enqueue(2);
        queue.Enqueue(3);
        var error = Assert.Throws<SshProtocolException>(() => queue.Enqueue(4))!;
        Assert.That(error.Message, Does.Contain("more than 2 requests on channel 5"));
        release.SetResult();
    }

    [Test, CancelAfter(10_000)]
    public async Task The_connection_going_away_drops_what_is_left_and_the_queue_starts_again(CancellationToken ct)
    {
        var handled = new List<int>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gated = new InOrderQueue<int>(async item =>
        {
            await release.Task.WaitAsync(ct);
            if (item == 1) throw new SshConnectionException("gone");
            lock (handled) handled.Add(item);
        }, capacity: 8, "items");
        gated.Enqueue(1);
        gated.Enqueue(2);
        gated.Enqueue(3);
        release.SetResult();
        await ChannelTestKit.WaitUntilAsync(() => !gated.IsBusy, ct);
        lock (handled) Assert.That(handled, Is.Empty, "the items behind the failure were dropped");

        gated.Enqueue(4);
        await ChannelTestKit.WaitUntilAsync(() => !gated.IsBusy, ct);
        lock (handled) Assert.That(handled, Is.EqualTo(new[] { 4 }));
    }
}
