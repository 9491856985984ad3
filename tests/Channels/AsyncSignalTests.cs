using System.Runtime.CompilerServices;
using NUnit.Framework;
using Ssh.Channels;

namespace Ssh.Tests.Channels;

/// <summary>The one-waiter wake-up behind every channel wait: a Set is never lost, a second waiter is a bug, and a
/// cancelled wait leaves the signal as good as new.</summary>
public sealed class AsyncSignalTests
{
    [Test]
    public void A_set_before_the_wait_is_remembered_once()
    {
        var signal = new AsyncSignal();
        signal.Set();
        signal.Set();
        Assert.That(signal.WaitAsync(CancellationToken.None).IsCompletedSuccessfully, Is.True, "the set before the wait was lost");
        Assert.That(signal.WaitAsync(CancellationToken.None).IsCompleted, Is.False, "two sets with nobody waiting wake one wait");
        signal.Set();
    }

    [Test, CancelAfter(5_000)]
    public async Task A_set_wakes_the_waiter(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        Task wait = signal.WaitAsync(ct).AsTask();
        Assert.That(wait.IsCompleted, Is.False);
        signal.Set();
        await wait.WaitAsync(ct);
        Assert.That(signal.WaitAsync(ct).IsCompleted, Is.False, "the set was used up by the waiter it woke");
        signal.Set();
    }

    [Test, CancelAfter(5_000)]
    public async Task A_second_concurrent_waiter_throws_and_the_first_still_wakes(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        Task first = signal.WaitAsync(ct).AsTask();
        Assert.That(() => signal.WaitAsync(ct), Throws.InvalidOperationException);
        signal.Set();
        await first.WaitAsync(ct);
    }

    [Test, CancelAfter(5_000)]
    public async Task Cancelling_ends_the_wait_and_leaves_the_signal_usable(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        using var cts = new CancellationTokenSource();
        Task wait = signal.WaitAsync(cts.Token).AsTask();
        cts.Cancel();
        var error = Assert.CatchAsync<OperationCanceledException>(() => wait.WaitAsync(ct))!;
        Assert.That(error.CancellationToken, Is.EqualTo(cts.Token), "the wait must end on its own token, not the test's");

        // A new waiter is allowed, and a set wakes it.
        Task next = signal.WaitAsync(ct).AsTask();
        Assert.That(next.IsCompleted, Is.False);
        signal.Set();
        await next.WaitAsync(ct);

        // A set while nobody waits is still remembered.
        signal.Set();
        Assert.That(signal.WaitAsync(ct).IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public void A_wait_with_a_token_already_cancelled_throws_at_once_and_takes_no_waiter_slot()
    {
        var signal = new AsyncSignal();
        Assert.That(() => signal.WaitAsync(new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
        ValueTask wait = signal.WaitAsync(CancellationToken.None);
        signal.Set();
        Assert.That(wait.IsCompletedSuccessfully, Is.True);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_cancel_racing_a_set_leaves_the_signal_consistent(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        for (int i = 0; i < 500; i++)
        {
            using var cts = new CancellationTokenSource();
            Task wait = signal.WaitAsync(cts.Token).AsTask();
            await Task.WhenAll(Task.Run(signal.Set, ct), Task.Run(cts.Cancel, ct));
            try
            {
                await wait.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The cancel won; the set is then remembered for the next waiter.
            }
            // Whoever won, one more set leaves exactly one wake-up pending, and nothing else.
            signal.Set();
            Assert.That(signal.WaitAsync(ct).IsCompletedSuccessfully, Is.True, $"round {i}");
            ValueTask idle = signal.WaitAsync(ct);
            Assert.That(idle.IsCompleted, Is.False, $"round {i}: a stale wake-up was left behind");
            signal.Set();
            await idle.AsTask().WaitAsync(ct);
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task No_wake_up_is_lost_between_a_producer_and_a_waiting_consumer(CancellationToken ct)
    {
        const int count = 100_000;
        var signal = new AsyncSignal();
        var produced = new StrongBox<int>();
        Task producer = Produce(signal, count, produced, ct);

        int seen = 0;
        while (seen < count)
        {
            int now = Volatile.Read(ref produced.Value);
            if (now > seen) seen = now;
            else await signal.WaitAsync(ct);
        }
        await producer;
    }

    // ---- The blocking wait (Channel.Read, paramiko's shape), woken without the thread pool ----

    [Test]
    public void A_set_before_a_blocking_wait_is_remembered_and_a_timeout_says_false()
    {
        var signal = new AsyncSignal();
        signal.Set();
        Assert.That(signal.Wait(After(TimeSpan.FromSeconds(5)), CancellationToken.None), Is.True, "the set before the wait was lost");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(signal.Wait(After(TimeSpan.FromMilliseconds(50)), CancellationToken.None), Is.False, "nothing was set");
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(45), "the wait returned before its timeout");
    }

    [Test, CancelAfter(5_000)]
    public async Task A_set_from_another_thread_wakes_a_blocked_wait(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        var blocked = new TaskCompletionSource();
        Task<bool> wait = Task.Factory.StartNew(() =>
        {
            blocked.SetResult();
            return signal.Wait(long.MaxValue, ct);
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await blocked.Task;
        await Task.Delay(20, ct);
        Assert.That(wait.IsCompleted, Is.False, "the wait returned with nothing set");
        signal.Set();
        Assert.That(await wait.WaitAsync(ct), Is.True);
        Assert.That(signal.WaitAsync(ct).IsCompleted, Is.False, "the set was used up by the waiter it woke");
        signal.Set();
    }

    [Test, CancelAfter(5_000)]
    public async Task Cancelling_a_blocked_wait_throws_and_an_async_waiter_may_follow(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        using var cts = new CancellationTokenSource();
        Task<bool> wait = Task.Factory.StartNew(() => signal.Wait(long.MaxValue, cts.Token), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(20, ct);
        cts.Cancel();
        Assert.CatchAsync<OperationCanceledException>(() => wait.WaitAsync(ct));
        ValueTask next = signal.WaitAsync(ct);
        Assert.That(next.IsCompleted, Is.False);
        signal.Set();
        await next;
    }

    [Test, CancelAfter(5_000)]
    public async Task A_blocking_and_an_async_waiter_at_once_is_refused(CancellationToken ct)
    {
        var signal = new AsyncSignal();
        Task first = signal.WaitAsync(ct).AsTask();
        Assert.That(() => signal.Wait(After(TimeSpan.FromSeconds(1)), ct), Throws.InvalidOperationException);
        signal.Set();
        await first.WaitAsync(ct);
    }

    [Test, CancelAfter(20_000)]
    public async Task No_wake_up_is_lost_between_a_producer_and_a_blocked_consumer(CancellationToken ct)
    {
        const int count = 100_000;
        var signal = new AsyncSignal();
        var produced = new StrongBox<int>();
        Task producer = Produce(signal, count, produced, ct);
        Task consumer = Task.Factory.StartNew(() =>
        {
            int seen = 0;
            while (seen < count)
            {
                int now = Volatile.Read(ref produced.Value);
                if (now > seen) seen = now;
                // A lost wake-up shows as a 5 s stall here, and fails the test.
                else Assert.That(signal.Wait(After(TimeSpan.FromSeconds(5)), ct), Is.True, $"a wake-up was lost at {seen} of {count}");
            }
        }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAll(producer, consumer).WaitAsync(ct);
    }

    /// <summary>Counts to <paramref name="count"/> on a pool thread, setting the signal after each step.</summary>
    private static Task Produce(AsyncSignal signal, int count, StrongBox<int> produced, CancellationToken ct) => Task.Run(() =>
    {
        for (int i = 0; i < count; i++)
        {
            Interlocked.Increment(ref produced.Value);
            signal.Set();
        }
    }, ct);

    /// <summary>The deadline <paramref name="wait"/> from now, as <see cref="AsyncSignal.Wait"/> takes it.</summary>
    private static long After(TimeSpan wait) => Environment.TickCount64 + (long)wait.TotalMilliseconds;
}
