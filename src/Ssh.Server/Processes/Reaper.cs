using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// Waits for one child on a dedicated thread (not the thread pool: the wait blocks for the child's whole
/// life) and reaps it exactly once.
/// </summary>
/// <remarks>
/// The wait is in two steps so that a signal can never reach a recycled pid: waitid(WNOWAIT) blocks until
/// the child has exited but leaves it a zombie (its pid stays taken); then, under the same lock
/// <see cref="ChildProcess.SendSignal"/> holds while it calls kill(), waitpid reaps it and marks it gone.
///
/// .NET's own SIGCHLD handling reaps only the children System.Diagnostics.Process started — except when
/// this process was started with SIGCHLD ignored: then the runtime reaps every child with waitpid(-1)
/// (SIGCHLD set to SIG_IGN makes the kernel discard exit statuses, and the runtime emulates that). Our
/// wait then fails with ECHILD; the status is lost, and the exit is reported with neither exit code nor
/// signal.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class Reaper
{
    // The thread does little but sit in one syscall.
    private const int StackSize = 256 * 1024;

    private readonly int _pid;
    private readonly Lock _lock;
    private readonly TaskCompletionSource<ChildExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Reaper(int pid, Lock @lock)
    {
        _pid = pid;
        _lock = @lock;
        var thread = new Thread(Run, StackSize) { IsBackground = true, Name = $"reap {pid}" };
        thread.UnsafeStart();
    }

    public Task<ChildExit> Exited => _exited.Task;

    /// <summary>True once the child has been reaped; read under the lock passed to the constructor.</summary>
    public bool Reaped { get; private set; }

    private void Run()
    {
        ChildExit exit;
        try
        {
            exit = Wait();
        }
        catch (Exception e)
        {
            _exited.TrySetException(e);
            return;
        }
        _exited.TrySetResult(exit);
    }

    private ChildExit Wait()
    {
        byte* info = stackalloc byte[LibC.SigInfoSize];
        while (LibC.WaitId(LibC.P_PID, _pid, info, LibC.WEXITED | LibC.WNOWAIT) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.ECHILD)
            {
                return MarkLost();
            }
            throw LibC.Error($"waitid({_pid})", errno);
        }

        int status;
        lock (_lock)
        {
            int result;
            do
            {
                result = LibC.WaitPid(_pid, &status, 0);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR);
            Reaped = true;
            if (result < 0)
            {
                return Lost();
            }
        }
        return Decode(status);
    }

    private ChildExit MarkLost()
    {
        lock (_lock)
        {
            Reaped = true;
        }
        return Lost();
    }

    private static ChildExit Lost() => new(null, null, false);

    /// <summary>The wait status macros of &lt;sys/wait.h&gt;: WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG, WCOREDUMP.</summary>
    internal static ChildExit Decode(int status)
    {
        int termSignal = status & 0x7f;
        if (termSignal == 0)
        {
            return new ChildExit((status >> 8) & 0xff, null, false);
        }
        if (termSignal != 0x7f)
        {
            return new ChildExit(null, Signals.NameOf(termSignal), (status & 0x80) != 0) { SignalNumber = termSignal };
        }
        // Stopped or continued: waitpid without WUNTRACED/WCONTINUED never reports these.
        return Lost();
    }
}
