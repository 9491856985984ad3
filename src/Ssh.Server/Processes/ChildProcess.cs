using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// A command the server runs for a session channel ("exec", "shell", RFC 4254 §6.5), optionally on a
/// pseudo-terminal (§6.2). Without a pty the child's stdin, stdout and stderr are pipes, as sshd uses,
/// read and written through one shared epoll thread (<see cref="PipeEvents"/>), with no thread per stream.
/// With a pty, stdin and stdout are both the master and stderr goes to the terminal.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Reaper _reaper;
    private readonly PtyStream? _pty;
    private readonly TimeSpan _killGracePeriod;
    private int _disposed;

    private ChildProcess(int pid, Stream input, Stream output, Stream? error, PtyStream? pty, TimeSpan killGracePeriod)
    {
        ProcessId = pid;
        Input = input;
        Output = output;
        Error = error;
        _pty = pty;
        _killGracePeriod = killGracePeriod;
        _reaper = new Reaper(pid, _lock);
    }

    public int ProcessId { get; }

    /// <summary>The child's stdin; with a pty, the master (the same stream as <see cref="Output"/>).</summary>
    public Stream Input { get; }

    /// <summary>
    /// The child's stdout; with a pty, the master. Reads return 0 once every process holding the write
    /// side (the child and whatever it left running with it) has closed it.
    /// </summary>
    public Stream Output { get; }

    /// <summary>The child's stderr; null with a pty, where stderr is the terminal.</summary>
    public Stream? Error { get; }

    /// <summary>
    /// Completes once the child has exited and been reaped, independently of <see cref="Output"/>:
    /// a background process may keep the output open longer.
    /// </summary>
    public Task<ChildExit> Exited => _reaper.Exited;

    public bool HasPty => _pty is not null;

    /// <summary>Starts the child; throws an <see cref="IOException"/> with the errno text when that fails.</summary>
    public static ChildProcess Start(ChildProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.FileName);
        return options.Pty is null ? StartWithPipes(options) : StartWithPty(options);
    }

    private static ChildProcess StartWithPipes(ChildProcessOptions options)
    {
        // Pipes, as sshd uses, which cost a busy command far less per read and write than socket pairs (NonBlockingPipe).
        var pipes = new List<(int Read, int Write)>(3);
        var ends = new List<NonBlockingPipe>(3);
        int pid = 0;
        try
        {
            for (int i = 0; i < 3; i++) pipes.Add(Pipe());
            pid = Spawner.Spawn(options, null, pipes[0].Read, pipes[1].Write, pipes[2].Write);
            // Ours: stdin's write end, stdout's and stderr's read ends; each taken over by its stream (or closed below).
            for (int i = 0; i < 3; i++)
            {
                var (read, write) = pipes[i];
                pipes[i] = i == 0 ? (read, -1) : (-1, write);
                ends.Add(i == 0 ? new PipeWriteStream(write) : new PipeReadStream(read));
            }
            pipes.ForEach(p => LibC.Close(p.Read >= 0 ? p.Read : p.Write));
            return new ChildProcess(pid, ends[0], ends[1], ends[2], null, options.KillGracePeriod);
        }
        catch
        {
            ends.ForEach(e => e.Dispose());
            foreach (var (read, write) in pipes)
            {
                if (read >= 0) LibC.Close(read);
                if (write >= 0) LibC.Close(write);
            }
            Abandon(pid);
            throw;
        }
    }

    /// <summary>A pipe: (read end, write end), both close-on-exec (the spawner dup2s the child's end onto its fd 0,
    /// 1 or 2, which clears the flag there).</summary>
    private static unsafe (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (LibC.Pipe2(fds, LibC.O_CLOEXEC) != 0) throw LibC.LastError("pipe2");
        return (fds[0], fds[1]);
    }

    // A child whose streams could not be set up: kill it, and still reap it.
    private static void Abandon(int pid)
    {
        if (pid > 0)
        {
            LibC.Kill(pid, Signals.SIGKILL);
            _ = new Reaper(pid, new Lock());
        }
    }

    private static ChildProcess StartWithPty(ChildProcessOptions options)
    {
        using var terminal = PseudoTerminal.Open(options.Pty!);
        int pid = Spawner.Spawn(options, terminal.SlavePath, -1, -1, -1);
        terminal.CloseSlave();
        PtyStream stream;
        try
        {
            stream = new PtyStream(terminal.TakeMaster());
        }
        catch
        {
            Abandon(pid);
            throw;
        }
        return new ChildProcess(pid, stream, stream, null, stream, options.KillGracePeriod);
    }

    /// <summary>
    /// Sends end-of-file to the child. Without a pty: closes our end of its stdin pipe. With a pty:
    /// writes the terminal's VEOF character (^D), after whatever was written before, as a terminal user
    /// would; in canonical mode that ends a read at the start of a line (a non-empty line needs a second
    /// VEOF, which is the user's to send), and it means nothing in raw mode.
    /// </summary>
    public void CloseInput()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        if (_pty is null)
        {
            // Closing the write end is the child's EOF, once it has read what was written (every write has
            // completed by now: writes are awaited before EOF is sent).
            Input.Dispose();
            return;
        }
        byte eof = WithMaster(PseudoTerminal.EofCharacter);
        if (eof != 0)
        {
            _ = _pty.Enqueue([eof]).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>Sets the terminal's window size (RFC 4254 §6.7); the kernel sends SIGWINCH. No-op without a pty.</summary>
    public void Resize(int columns, int rows, int widthPixels, int heightPixels)
    {
        if (_pty is null || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }
        WithMaster(fd =>
        {
            PseudoTerminal.SetWindowSize(fd, columns, rows, widthPixels, heightPixels);
            return 0;
        });
    }

    // The master fd, kept open for the call even if the stream is disposed meanwhile.
    private T WithMaster<T>(Func<int, T> use)
    {
        var master = _pty!.Master;
        bool added = false;
        try
        {
            master.DangerousAddRef(ref added);
            return use((int)master.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                master.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Delivers a signal named as in RFC 4254 §6.9 ("INT", "TERM", ...). With a pty it goes to the
    /// child's process group (the child leads its own session), as a key like ^C would. Returns false
    /// for a name outside the RFC's list, or when the child has already been reaped.
    /// </summary>
    public bool SendSignal(string signalName)
    {
        ArgumentNullException.ThrowIfNull(signalName);
        return Signals.TryGetNumber(signalName, out int signal) && Kill(signal, group: _pty is not null);
    }

    // Under the reaper's lock: the pid is still ours (at worst a zombie) while it has not been reaped.
    private bool Kill(int signal, bool group)
    {
        lock (_lock)
        {
            if (_reaper.Reaped)
            {
                return false;
            }
            // The child leads its own process group (it was spawned as a session leader), but should
            // the group be gone, the child itself still gets the signal.
            return (group && LibC.Kill(-ProcessId, signal) == 0) || LibC.Kill(ProcessId, signal) == 0;
        }
    }

    /// <summary>
    /// Closes this side's fds, and if the child is still running sends SIGHUP to its process group (as a
    /// terminal hang-up would) and SIGKILL after the grace period; completes once the child is reaped.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await Exited.ConfigureAwait(false);
            return;
        }
        await Input.DisposeAsync().ConfigureAwait(false);
        await Output.DisposeAsync().ConfigureAwait(false);
        if (Error is not null)
        {
            await Error.DisposeAsync().ConfigureAwait(false);
        }
        if (!Exited.IsCompleted && Kill(Signals.SIGHUP, group: true))
        {
            try
            {
                await Exited.WaitAsync(_killGracePeriod).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Kill(Signals.SIGKILL, group: true);
            }
        }
        await Exited.ConfigureAwait(false);
    }
}
