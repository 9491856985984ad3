using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>
/// The peer's requests that wait for the application, handled one at a time in the order they came, off the read
/// loop: a task drains the queue while it has items. Bounded: a peer that sends more than <c>capacity</c> without
/// waiting for the replies ends the connection instead of growing memory.
/// </summary>
internal sealed class InOrderQueue<T>
{
    private readonly object _lock = new();
    private readonly Queue<T> _items = new();
    private readonly Func<T, ValueTask> _handle;
    private readonly int _capacity;
    private readonly string _what;
    private bool _busy;

    /// <param name="handle">Handles one item; an <see cref="SshException"/> or I/O error (the connection went away)
    /// drops what is left.</param>
    /// <param name="capacity">The most items that may wait.</param>
    /// <param name="what">What the items are, for the error: "requests on channel 3".</param>
    public InOrderQueue(Func<T, ValueTask> handle, int capacity, string what)
    {
        _handle = handle;
        _capacity = capacity;
        _what = what;
    }

    /// <summary>True while items wait or one is being handled. Only the read loop enqueues, so when it sees false,
    /// it may handle the next item itself without overtaking anything.</summary>
    public bool IsBusy
    {
        get { lock (_lock) return _busy; }
    }

    /// <summary>Queues <paramref name="item"/> behind the others and makes sure they are being handled.</summary>
    public void Enqueue(T item)
    {
        lock (_lock) EnqueueLocked(item);
    }

    /// <summary>Queues <paramref name="item"/> only if others are waiting or being handled; false otherwise.</summary>
    public bool EnqueueIfBusy(T item)
    {
        lock (_lock)
        {
            if (!_busy) return false;
            EnqueueLocked(item);
            return true;
        }
    }

    private void EnqueueLocked(T item)
    {
        if (_items.Count >= _capacity)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent more than {_capacity} {_what} without waiting for the replies.");
        _items.Enqueue(item);
        if (_busy) return;
        _busy = true;
        _ = Task.Run(DrainAsync);
    }

    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                T next;
                lock (_lock)
                {
                    if (!_items.TryDequeue(out next!))
                    {
                        _busy = false;
                        return;
                    }
                }
                await _handle(next).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection went away: nothing is left to answer.
            lock (_lock)
            {
                _items.Clear();
                _busy = false;
            }
        }
    }
}
