using NUnit.Framework;
using Ssh.Channels;

namespace Ssh.Tests.Channels;

/// <summary>The futex (or monitor) that parks a blocking channel reader: a wake before the block is kept, a block with
/// nothing to wake it ends at its timeout, and a wake from another thread ends a block with no limit.</summary>
public sealed class ThreadWakeupTests
{
    [Test]
    public void A_wake_between_arming_and_blocking_makes_the_block_return_at_once()
    {
        var wakeup = new ThreadWakeup();
        wakeup.Arm();
        wakeup.Wake();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        wakeup.Block(-1); // would hang without the kept wake-up
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(1_000));
    }

    [Test]
    public void A_block_with_nothing_to_wake_it_ends_at_its_timeout()
    {
        var wakeup = new ThreadWakeup();
        wakeup.Arm();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        wakeup.Block(60);
        Assert.That(clock.ElapsedMilliseconds, Is.InRange(50, 2_000));
    }

    [Test, CancelAfter(5_000)]
    public async Task A_wake_from_another_thread_ends_a_block_without_a_limit(CancellationToken ct)
    {
        var wakeup = new ThreadWakeup();
        wakeup.Arm();
        Task blocked = Task.Factory.StartNew(() => wakeup.Block(-1), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(30, ct);
        Assert.That(blocked.IsCompleted, Is.False, "the block returned with nobody waking it");
        wakeup.Wake();
        await blocked.WaitAsync(ct);
    }
}
