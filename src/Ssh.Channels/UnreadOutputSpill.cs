using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>
/// Spills output nobody reads to a temporary file when that is all that keeps the application waiting. The window
/// is shared by stdout and stderr, so an application that reads stdout to the end (or waits for the exit status)
/// while the command fills stderr would wait forever: the peer stops when the window is full, and the window only
/// re-opens as the application reads. When someone is waiting, the window is (nearly) shut, and nothing at all has
/// been consumed for <see cref="StallTime"/>, the streams nobody waits on move to a temporary file and count as
/// consumed, so the peer goes on. Memory stays bounded by the window; a reader that is merely slow still throttles
/// the peer, because its progress shows there is no deadlock.
/// </summary>
internal sealed class UnreadOutputSpill
{
    public const int StdoutWaiter = 1;
    public const int StderrWaiter = 2;
    public const int ExitWaiter = 4;

    /// <summary>How long a shut window may go without any consumption before it counts as a deadlock.</summary>
    private static readonly TimeSpan StallTime = TimeSpan.FromMilliseconds(50);

    private readonly ChannelInbound _inbound;
    private int _waiters;
    private int _abandoned;
    private int _relieveRequested;
    private int _relieving;

    public UnreadOutputSpill(ChannelInbound inbound) => _inbound = inbound;

    /// <summary>True when someone waits on the channel (a read, or the exit status).</summary>
    public bool AnyoneWaiting => Volatile.Read(ref _waiters) != 0;

    /// <summary>Marks <paramref name="waiter"/> as waiting or not; a new wait looks for a stall at once.</summary>
    public void SetWaiting(int waiter, bool waiting)
    {
        int current, updated;
        do
        {
            current = Volatile.Read(ref _waiters);
            updated = waiting ? current | waiter : current & ~waiter;
        }
        while (Interlocked.CompareExchange(ref _waiters, updated, current) != current);
        if (waiting) Relieve();
    }

    /// <summary>A reader came back to this stream: it is no longer abandoned.</summary>
    public void Reclaim(int stream)
    {
        if ((Volatile.Read(ref _abandoned) & stream) != 0) Interlocked.And(ref _abandoned, ~stream);
    }

    /// <summary>Checks whether a stream nobody reads is holding the window shut while someone waits; if so, spills
    /// it, off the read loop (which must never do file I/O or wait). Cheap when nothing is stuck: it runs on every
    /// wait and on every data packet while someone waits.</summary>
    public void Relieve()
    {
        if (!IsStuck()) return;
        Volatile.Write(ref _relieveRequested, 1);
        if (Interlocked.Exchange(ref _relieving, 1) == 1) return;
        _ = Task.Run(RelieveLoopAsync);
    }

    /// <summary>The streams holding data in memory that nobody is waiting on.</summary>
    private int Unwatched()
    {
        int waiters = Volatile.Read(ref _waiters);
        int result = 0;
        if ((waiters & StdoutWaiter) == 0 && _inbound.Stdout.Count > 0) result |= StdoutWaiter;
        if ((waiters & StderrWaiter) == 0 && _inbound.Stderr.Count > 0) result |= StderrWaiter;
        return result;
    }

    private bool IsStuck() => AnyoneWaiting && _inbound.WindowNearlyShut;

    private async Task RelieveLoopAsync()
    {
        try
        {
            while (Interlocked.Exchange(ref _relieveRequested, 0) == 1)
            {
                if (!IsStuck()) continue;
                // A stream already found abandoned (spilled, and not read since) needs no new proof of a stall.
                if ((Unwatched() & ~Volatile.Read(ref _abandoned)) != 0)
                {
                    long consumedBefore = _inbound.ConsumedTotal;
                    await Task.Delay(StallTime).ConfigureAwait(false);
                    if (_inbound.ConsumedTotal != consumedBefore)
                    {
                        // Someone is reading: no deadlock, but look again while the window stays shut.
                        Volatile.Write(ref _relieveRequested, 1);
                        continue;
                    }
                    if (!IsStuck()) continue;
                }
                int unwatched = Unwatched();
                int moved = 0;
                if ((unwatched & StdoutWaiter) != 0) moved += _inbound.Stdout.Spill();
                if ((unwatched & StderrWaiter) != 0) moved += _inbound.Stderr.Spill();
                Interlocked.Or(ref _abandoned, unwatched);
                if (moved > 0) await _inbound.ConsumedAsync(moved, force: true).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException)
        {
            // Cannot spill (disk full, connection gone): the wait goes on, or fails with the connection.
        }
        finally
        {
            Volatile.Write(ref _relieving, 0);
        }
        // A request that came in after the loop's last check but before _relieving was cleared.
        if (Volatile.Read(ref _relieveRequested) == 1) Relieve();
    }
}
