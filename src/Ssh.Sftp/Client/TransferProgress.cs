using System.Runtime.ExceptionServices;

namespace Ssh.Sftp.Client;

/// <summary>
/// Calls a transfer's progress callback (paramiko's <c>callback(transferred, total)</c>) off the threads that move the
/// data: a lane may run on the SFTP reply thread, where a callback that blocked, or made a blocking call on the same
/// client, would stall or deadlock the session. Calls are made on the thread pool, one at a time and in order; while
/// one runs, newer figures replace each other, so a slow callback sees fewer calls, never stale ones. The last
/// figures are reported before the transfer returns (<see cref="CompleteAsync"/>), and an exception the callback
/// throws fails the transfer with that exception, as a callback on the transferring thread would.
/// </summary>
internal sealed class TransferProgress(Action<long, long> callback)
{
    private readonly object _lock = new();
    private long _done;
    private long _total;
    private bool _pending;
    private Task _delivery = Task.CompletedTask;
    private ExceptionDispatchInfo? _failure;

    /// <summary>From a lane: the newest figures. Throws what the callback threw, to stop the transfer.</summary>
    public void Report(long done, long total)
    {
        lock (_lock)
        {
            _failure?.Throw();
            _done = done;
            _total = total;
            if (_pending) return;
            _pending = true;
            _delivery = Task.Run(Deliver);
        }
    }

    private void Deliver()
    {
        while (true)
        {
            long done, total;
            lock (_lock)
            {
                done = _done;
                total = _total;
            }
            try
            {
                callback(done, total);
            }
            catch (Exception e)
            {
                lock (_lock)
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                    _pending = false;
                }
                return;
            }
            lock (_lock)
            {
                if (_done == done && _total == total)
                {
                    _pending = false;
                    return;
                }
            }
        }
    }

    /// <summary>After the last <see cref="Report"/>: waits until the callback has seen the final figures (or, when
    /// the transfer failed, until a call in progress has returned), so no call comes after the transfer returned.
    /// Throws what the callback threw, unless <paramref name="transferFailed"/>: the transfer's own error wins.</summary>
    public async Task CompleteAsync(bool transferFailed)
    {
        Task delivery;
        lock (_lock) delivery = _delivery;
        await delivery.ConfigureAwait(false);
        if (!transferFailed)
        {
            lock (_lock) _failure?.Throw();
        }
    }
}
