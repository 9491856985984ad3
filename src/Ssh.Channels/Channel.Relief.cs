using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>
/// Deadlock relief. The window is shared by stdout and stderr, so an application that reads stdout to the end
/// (or waits for the exit status) while the command fills stderr would wait forever: the peer stops when the
/// window is full, and the window only re-opens as the application reads. When someone is waiting, the window is
/// (nearly) shut, and nothing at all has been consumed for <see cref="StallTime"/>, the streams nobody waits on move
/// to a temporary file and count as consumed, so the peer goes on. Memory stays bounded by the window; a reader
/// that is merely slow still throttles the peer, because its progress shows there is no deadlock.
/// </summary>
public sealed partial class Channel
{
    private const int StdoutWaiter = 1;
    private const int StderrWaiter = 2;
    private const int ExitWaiter = 4;

    /// <summary>How long a shut window may go without any consumption before it counts as a deadlock.</summary>
    private static readonly TimeSpan StallTime = TimeSpan.FromMilliseconds(50);

    private int _waiters;
    private long _consumedTotal;
    private int _abandoned;
    private int _relieveRequested;
    private int _relieving;

    private void SetWaiting(int waiter, bool waiting)
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

    /// <summary>Checks whether a stream nobody reads is holding the window shut while someone waits; if so,
    /// spills it (off the read loop, which must never do file I/O or wait).</summary>
    internal void Relieve()
    {
        // Cheap checks first: this runs on every wait and every data packet, and almost always nothing is stuck.
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
        if ((waiters & StdoutWaiter) == 0 && _stdout.Count > 0) result |= StdoutWaiter;
        if ((waiters & StderrWaiter) == 0 && _stderr.Count > 0) result |= StderrWaiter;
        return result;
    }

    /// <summary>A reader came back to this stream: it is no longer abandoned.</summary>
    private void Reclaim(int stream)
    {
        if ((Volatile.Read(ref _abandoned) & stream) != 0) Interlocked.And(ref _abandoned, ~stream);
    }

    private bool IsStuck()
    {
        if (Volatile.Read(ref _waiters) == 0) return false;
        lock (_lock) return _localWindowRemaining < LocalMaxPacketSize && !_closeReceived;
    }

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
                    long consumedBefore = Interlocked.Read(ref _consumedTotal);
                    await Task.Delay(StallTime).ConfigureAwait(false);
                    if (Interlocked.Read(ref _consumedTotal) != consumedBefore)
                    {
                        // Someone is reading: no deadlock, but look again while the window stays shut.
                        Volatile.Write(ref _relieveRequested, 1);
                        continue;
                    }
                    if (!IsStuck()) continue;
                }
                int unwatched = Unwatched();
                int moved = 0;
                if ((unwatched & StdoutWaiter) != 0) moved += _stdout.Spill();
                if ((unwatched & StderrWaiter) != 0) moved += _stderr.Spill();
                Interlocked.Or(ref _abandoned, unwatched);
                if (moved > 0) await ConsumedAsync(moved, force: true).ConfigureAwait(false);
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
