using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Ssh.Channels;

/// <summary>
/// Waits until a non-blocking socket can be read or written on a thread of its own (a <see cref="PollThread"/>, taken
/// on the first wait and given back when the connection closes), and resumes the waiter on that thread. For the
/// client's socket this replaces the runtime's socket engine: once a socket has had one asynchronous operation, the
/// engine's epoll thread is woken for every arrival on it and queues a thread-pool item for each, whether anyone is
/// reading or not. Here the read loop runs on the thread that saw the data, and reads on without a hand-off while
/// data keeps coming. One waiter at a time, as a stream has one reader and one writer.
/// </summary>
internal sealed class SocketReadiness : IValueTaskSource, IDisposable
{
    private const int Idle = 0, Waiting = 1;

    private readonly Socket _socket;
    private readonly PollThread.Pool _threads;
    private readonly object _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };
    private CancellationTokenRegistration _registration;
    private PollThread? _thread;
    private SelectMode _mode;
    private bool _requested;
    private bool _disposed;
    private int _state;

    /// <param name="socket">The socket, in non-blocking mode.</param>
    /// <param name="threads">Where the waiting thread comes from.</param>
    public SocketReadiness(Socket socket, PollThread.Pool threads)
    {
        _socket = socket;
        _threads = threads;
    }

    /// <summary>Completes once the socket is ready for <paramref name="mode"/> (<see cref="SelectMode.SelectRead"/> or
    /// <see cref="SelectMode.SelectWrite"/>), or has failed, or was closed (the next call on it says which), on the
    /// waiting thread; cancelling gives up the wait with an <see cref="OperationCanceledException"/>.</summary>
    public ValueTask WaitAsync(SelectMode mode, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _core.Reset();
        Volatile.Write(ref _state, Waiting);
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static (state, token) =>
                ((SocketReadiness)state!).Complete(new OperationCanceledException(token)), this);
        lock (_gate)
        {
            if (!_disposed)
            {
                _mode = mode;
                _requested = true;
                // The thread takes the request under this lock (Serve), so asking it here loses nothing.
                if (_thread is null) _thread = _threads.Rent(this);
                else _thread.Signal();
                return new ValueTask(this, _core.Version);
            }
        }
        Complete(new ObjectDisposedException(nameof(SocketReadiness), "The connection is closed."));
        return new ValueTask(this, _core.Version);
    }

    /// <summary>From the poll thread: takes the wait asked for, if any, polls for it, and completes it.</summary>
    internal void Serve()
    {
        SelectMode mode;
        lock (_gate)
        {
            if (!_requested || _disposed) return;
            _requested = false;
            mode = _mode;
        }
        Exception? error = null;
        try
        {
            // poll(2) on this one socket: the runtime's engine never sees it.
            _socket.Poll(-1, mode);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = e;
        }
        // A wait given up by cancellation meanwhile is not completed twice; a later wait that this readiness
        // completes finds the socket ready (or asks again).
        Complete(error);
    }

    /// <summary>Ends the current wait, once: from the waiting thread, a cancellation, or disposal.</summary>
    private void Complete(Exception? error)
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Waiting) != Waiting) return;
        _registration.Unregister();
        if (error is null) _core.SetResult(true);
        else _core.SetException(error);
    }

    /// <summary>Gives the thread back (the socket must be shut down first, so a poll in progress returns) and fails
    /// a wait in progress.</summary>
    public void Dispose()
    {
        PollThread? thread;
        lock (_gate)
        {
            _disposed = true;
            thread = _thread;
            _thread = null;
        }
        thread?.Release();
        Complete(new ObjectDisposedException(nameof(SocketReadiness), "The connection is closed."));
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
