using System.Threading.Tasks.Sources;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Client;

/// <summary>
/// The wait for one request's reply, reused from a pool so a transfer allocates nothing per request. Two parties
/// hold it: the caller awaiting the reply and the receive loop that delivers it (or the failure). It goes back to
/// the pool once both are done, so a caller that gave up (cancelled) never sees a later request's reply, and a
/// reply that arrives for an abandoned wait has its buffer returned.
/// </summary>
internal sealed class PendingReply : IValueTaskSource<ReceivedPacket>
{
    private const int Waiting = 0, Delivered = 1, Abandoned = 2;

    private ManualResetValueTaskSourceCore<ReceivedPacket> _core;
    private int _state;
    private int _holders;
    private CancellationTokenRegistration _registration;
    private Action<PendingReply>? _release;

    public ValueTask<ReceivedPacket> Task => new(this, _core.Version);

    /// <summary>Prepares a pooled instance for a new request; <paramref name="release"/> returns it to the pool.
    /// <paramref name="resumeOnReplyThread"/> resumes the caller on the thread that delivers the reply, for the
    /// library's own transfer lanes, whose next step is a local file call and the next request; every other caller
    /// resumes on the thread pool, so no caller's code runs on (or blocks) the receive loop.</summary>
    public void Start(Action<PendingReply> release, bool resumeOnReplyThread)
    {
        _release = release;
        _core.RunContinuationsAsynchronously = !resumeOnReplyThread;
        _state = Waiting;
        _holders = 2;
    }

    /// <summary>The caller gives up when <paramref name="cancellationToken"/> fires; the reply is dropped later.</summary>
    public void Watch(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var self = (PendingReply)state!;
                if (Interlocked.CompareExchange(ref self._state, Abandoned, Waiting) == Waiting)
                    self._core.SetException(new OperationCanceledException(token));
            }, this);
    }

    /// <summary>From the receive loop: hands the reply over, or returns its buffer when the caller left.</summary>
    public void Deliver(ReceivedPacket reply)
    {
        if (Interlocked.CompareExchange(ref _state, Delivered, Waiting) == Waiting) _core.SetResult(reply);
        else reply.Return();
        Done();
    }

    /// <summary>From the receive loop: the session ended before the reply came.</summary>
    public void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, Delivered, Waiting) == Waiting) _core.SetException(error);
        Done();
    }

    public ReceivedPacket GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _registration.Dispose();
            _registration = default;
            Done();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Done()
    {
        if (Interlocked.Decrement(ref _holders) != 0) return;
        _core.Reset();
        _release?.Invoke(this);
    }
}
