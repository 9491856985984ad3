using System.Threading.Tasks.Sources;

namespace Ssh.Channels;

/// <summary>
/// A reusable, allocation-free wake-up for one waiter at a time: the waiter calls <see cref="WaitAsync"/> after
/// finding nothing to do, the producer calls <see cref="Set"/> after producing. A Set with nobody waiting is
/// remembered, so a wake-up between the check and the wait is not lost.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private readonly object _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _waiting;
    private bool _pending;
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
            if (_waiting) throw new InvalidOperationException("Only one waiter at a time.");
            cancellationToken.ThrowIfCancellationRequested();
            _waiting = true;
            _core.Reset();
            if (cancellationToken.CanBeCanceled)
                _registration = cancellationToken.UnsafeRegister(static (s, t) => ((AsyncSignal)s!).Cancel(t), this);
            return new ValueTask(this, _core.Version);
        }
    }

    public void Set()
    {
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (!_waiting)
            {
                _pending = true;
                return;
            }
            _waiting = false;
            registration = _registration;
            _registration = default;
            _core.SetResult(true);
        }
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
