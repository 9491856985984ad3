namespace Ssh.Sftp.Server;

/// <summary>
/// Which requests may run at once (draft-ietf-secsh-filexfer-02 §6.1): the outcome must be as if each had waited
/// for the one before, yet non-overlapping reads and writes of one file may run in parallel. So a request waits for
/// every earlier, unfinished request it conflicts with. Requests that change nothing (READ, and path queries such
/// as STAT, REALPATH, OPENDIR or OPEN for reading) never wait for each other, so one slow disk read holds up no
/// stat or read of another file. On one handle, a write waits for reads and writes whose range overlaps, and other
/// handle requests (FSTAT, CLOSE, READDIR, ...) for everything on that handle. A path request that changes
/// something (SETSTAT, REMOVE, RENAME, OPEN for writing, ...) waits for everything, and everything after it waits
/// for it; a query waits for earlier writes and handle requests, which may change what it would see.
/// </summary>
internal sealed class SftpRequestScheduler
{
    private readonly List<Entry> _running = [];

    /// <summary>What a request touches.</summary>
    internal enum Scope
    {
        /// <summary>Reads a byte range of one handle.</summary>
        Read,

        /// <summary>Writes a byte range of one handle.</summary>
        Write,

        /// <summary>Anything else on one handle.</summary>
        Handle,

        /// <summary>A path request that changes nothing.</summary>
        Query,

        /// <summary>A path request that may change something, or the session as a whole.</summary>
        Global,
    }

    internal readonly record struct Request(Scope Scope, uint Handle = 0, long Start = 0, long End = 0)
    {
        public bool ConflictsWith(Request other)
        {
            if (Scope == Scope.Global || other.Scope == Scope.Global) return true;
            if (Scope == Scope.Query || other.Scope == Scope.Query)
            {
                Scope peer = Scope == Scope.Query ? other.Scope : Scope;
                return peer is Scope.Write or Scope.Handle;
            }
            if (Handle != other.Handle) return false;
            if (Scope == Scope.Read && other.Scope == Scope.Read) return false;
            if (Scope == Scope.Handle || other.Scope == Scope.Handle) return true;
            return Start < other.End && other.Start < End;
        }
    }

    private sealed record Entry(Request Request, Task Task);

    /// <summary>The unfinished requests <paramref name="request"/> must wait for (empty when none).</summary>
    public Task[] DependenciesOf(Request request)
    {
        lock (_running)
        {
            List<Task>? dependencies = null;
            foreach (Entry entry in _running)
            {
                if (entry.Request.ConflictsWith(request)) (dependencies ??= []).Add(entry.Task);
            }
            return dependencies?.ToArray() ?? [];
        }
    }

    /// <summary>Records a started request until its task ends.</summary>
    public void Track(Request request, Task task)
    {
        var entry = new Entry(request, task);
        lock (_running) _running.Add(entry);
        _ = task.ContinueWith(static (_, state) =>
        {
            var (self, e) = ((SftpRequestScheduler, Entry))state!;
            lock (self._running) self._running.Remove(e);
        }, (this, entry), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Every unfinished request (to wait for at the end of the session).</summary>
    public Task[] All()
    {
        lock (_running) return [.. _running.Select(e => e.Task)];
    }
}
