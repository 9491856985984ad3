namespace Ssh.Channels;

/// <summary>
/// A thread that waits on one connection's socket at a time for a <see cref="SocketReadiness"/>, and is parked when
/// that connection closes, for the next connection to take. Starting a thread costs 160–220 µs here (the runtime
/// waits for it to run), about 5 % of a loopback connect, log-in and command; a parked thread is taken with one wake-up.
/// A thread parked for <see cref="ParkTimeout"/> with nothing to do ends, and at most <see cref="MaxParked"/> wait.
/// </summary>
internal sealed class PollThread
{
    private static readonly TimeSpan ParkTimeout = TimeSpan.FromSeconds(30);
    private const int MaxParked = 64;

    private readonly Pool _pool;
    private readonly object _gate = new();
    private SocketReadiness? _owner;
    private bool _wake;

    private PollThread(Pool pool, SocketReadiness owner)
    {
        _pool = pool;
        _owner = owner;
        _wake = true; // the owner made its first wait before renting
    }

    /// <summary>Wakes the thread: its owner has a wait for it.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            _wake = true;
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>The owner is done with the thread (its socket was shut down, so a poll in progress returns); the
    /// thread parks once it is out of the owner's code.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _owner = null;
            _wake = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        while (true)
        {
            SocketReadiness? owner;
            lock (_gate)
            {
                while (!_wake)
                {
                    bool woken = Monitor.Wait(_gate, _owner is null ? ParkTimeout : Timeout.InfiniteTimeSpan);
                    // Parked and idle for the timeout: end, unless a connection took this thread meanwhile (it will
                    // wake it at once).
                    if (!woken && _owner is null && _pool.Forget(this)) return;
                }
                _wake = false;
                owner = _owner;
            }
            if (owner is not null) owner.Serve();
            else if (!_pool.Park(this)) return;
        }
    }

    /// <summary>The parked threads of one kind (the readers, or the writers), named alike.</summary>
    internal sealed class Pool(string threadName, int stackSize)
    {
        private readonly List<PollThread> _parked = [];

        /// <summary>A parked thread, now serving <paramref name="owner"/>, or a new one.</summary>
        public PollThread Rent(SocketReadiness owner)
        {
            PollThread? thread = null;
            lock (_parked)
            {
                if (_parked.Count > 0)
                {
                    thread = _parked[^1];
                    _parked.RemoveAt(_parked.Count - 1);
                }
            }
            if (thread is null)
            {
                thread = new PollThread(this, owner);
                new Thread(thread.Run, stackSize) { IsBackground = true, Name = threadName }.Start();
                return thread;
            }
            lock (thread._gate)
            {
                thread._owner = owner;
                thread._wake = true;
                Monitor.Pulse(thread._gate);
            }
            return thread;
        }

        public bool Park(PollThread thread)
        {
            lock (_parked)
            {
                if (_parked.Count >= MaxParked) return false;
                _parked.Add(thread);
                return true;
            }
        }

        public bool Forget(PollThread thread)
        {
            lock (_parked) return _parked.Remove(thread);
        }
    }
}
