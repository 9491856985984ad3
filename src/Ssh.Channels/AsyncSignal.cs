using System.Threading.Tasks.Sources;

namespace Ssh.Channels;

/// <summary>
/// A reusable, allocation-free wake-up for one waiter at a time: the waiter calls <see cref="WaitAsync"/> (or, on a
/// thread of its own, <see cref="Wait"/>) after finding nothing to do, the producer calls <see cref="Set"/> after
/// producing. A Set with nobody waiting is remembered, so a wake-up between the check and the wait is not lost.
/// A blocked <see cref="Wait"/> is woken directly, with no thread-pool hop: the blocking twins (paramiko's shape)
/// cost one thread switch per wake-up, not the three that waiting on a task through the pool costs.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private readonly object _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private bool _blockedWaiting;
    private bool _pending;
    private ThreadWakeup? _wakeup; // made on the first blocking wait: most signals only ever have async waiters
    private CancellationTokenRegistration _registration;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_pending)
            {
                _pending = false;
                return ValueTask.CompletedTask;
            }
            if (_waiting || _blockedWaiting) throw new InvalidOperationException("Only one waiter at a time.");
            cancellationToken.ThrowIfCancellationRequested();
            _waiting = true;
            _core.Reset();
            if (cancellationToken.CanBeCanceled)
                _registration = cancellationToken.UnsafeRegister(static (s, t) => ((AsyncSignal)s!).Cancel(t), this);
            return new ValueTask(this, _core.Version);
        }
    }

    /// <summary>The deadline <see cref="Wait"/> takes for a wait of at most <paramref name="timeout"/> from now
    /// (<see cref="long.MaxValue"/> for none), rounded up to the next millisecond.</summary>
    public static long DeadlineAfter(TimeSpan? timeout) =>
        timeout is { } t ? Environment.TickCount64 + (long)Math.Ceiling(t.TotalMilliseconds) : long.MaxValue;

    /// <summary>Blocks the calling thread until <see cref="Set"/>; false when <paramref name="deadline"/> (an
    /// <see cref="Environment.TickCount64"/> value; <see cref="long.MaxValue"/> for none) passed first.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public bool Wait(long deadline, CancellationToken cancellationToken)
    {
        ThreadWakeup wakeup = _wakeup ??= new ThreadWakeup();
        using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((ThreadWakeup)s!).Wake(), wakeup)
            : default;
        lock (_lock)
        {
            if (_waiting || _blockedWaiting) throw new InvalidOperationException("Only one waiter at a time.");
            _blockedWaiting = true;
        }
        try
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_pending)
                    {
                        _pending = false;
                        return true;
                    }
                    wakeup.Arm();
                }
                cancellationToken.ThrowIfCancellationRequested();
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0) return false;
                wakeup.Block(deadline == long.MaxValue ? -1 : (int)Math.Min(remaining, int.MaxValue));
            }
        }
        finally
        {
            lock (_lock) _blockedWaiting = false;
        }
    }

    public void Set()
    {
        CancellationTokenRegistration registration = default;
        bool wake = false;
        lock (_lock)
        {
            if (_blockedWaiting)
            {
                _pending = true;
                wake = true;
            }
            else if (!_waiting)
            {
                _pending = true;
            }
            else
            {
                _waiting = false;
                registration = _registration;
                _registration = default;
                _core.SetResult(true);
            }
        }
        // Outside the lock: a woken thread must not find it taken, and Linux often runs the woken thread at once.
        if (wake) _wakeup!.Wake();
        // Outside the lock: disposing waits for a running cancel callback, which itself takes the lock.
        registration.Dispose();
    }

    private void Cancel(CancellationToken token)
    {
        lock (_lock)
        {
            if (!_waiting) return;
            _waiting = false;
            _core.SetException(new OperationCanceledException(token));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);
    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
