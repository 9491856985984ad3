using System.Runtime.InteropServices;

namespace Ssh.Channels;

/// <summary>
/// Parks one thread until another wakes it. On Linux this is a bare futex (futex(2)): the waker makes one system
/// call and holds no lock while it does, so the woken thread does not run straight into a lock its waker still holds.
/// That matters because Linux often switches to the woken thread at once; with <see cref="Monitor.Pulse"/>, which
/// must be called under the lock, the woken reader would find the read loop's lock taken and block a second time.
/// Elsewhere it falls back to a monitor. A wake-up before the wait is kept: <see cref="Arm"/>, then
/// <see cref="Block"/> returns at once if <see cref="Wake"/> came in between. Spurious returns are possible; callers
/// re-check their condition.
/// </summary>
internal sealed unsafe partial class ThreadWakeup
{
    private const int FutexWaitPrivate = 128, FutexWakePrivate = 129; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG, FUTEX_WAKE | ...

    // The futex number differs by architecture; where it is not known here, the monitor is used.
    private static readonly long FutexSyscall = !OperatingSystem.IsLinux() ? -1 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    // One int on the pinned object heap: its address stays put for the futex, and the GC frees it with us.
    private readonly int[] _word = GC.AllocateArray<int>(1, pinned: true);

    /// <summary>Clears the wake-up before the caller checks its condition one last time and blocks.</summary>
    public void Arm() => Volatile.Write(ref _word[0], 0);

    /// <summary>Blocks until <see cref="Wake"/> (since the last <see cref="Arm"/>) or <paramref name="timeoutMilliseconds"/>
    /// (-1: no limit). May return early; the caller re-checks.</summary>
    public void Block(int timeoutMilliseconds)
    {
        if (Volatile.Read(ref _word[0]) != 0) return;
        if (FutexSyscall < 0)
        {
            lock (_word)
            {
                if (_word[0] == 0) Monitor.Wait(_word, timeoutMilliseconds);
            }
            return;
        }
        fixed (int* word = _word)
        {
            if (timeoutMilliseconds < 0)
            {
                Syscall(FutexSyscall, word, FutexWaitPrivate, 0, null);
                return;
            }
            var timeout = new Timespec { Seconds = timeoutMilliseconds / 1000, Nanoseconds = timeoutMilliseconds % 1000 * 1_000_000L };
            // EAGAIN (already woken), EINTR (a signal) and ETIMEDOUT all just return: the caller re-checks.
            Syscall(FutexSyscall, word, FutexWaitPrivate, 0, &timeout);
        }
    }

    /// <summary>Wakes the blocked thread, or makes its next <see cref="Block"/> return at once.</summary>
    public void Wake()
    {
        Volatile.Write(ref _word[0], 1);
        if (FutexSyscall < 0)
        {
            lock (_word) Monitor.Pulse(_word);
            return;
        }
        fixed (int* word = _word) Syscall(FutexSyscall, word, FutexWakePrivate, 1, null);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // glibc's syscall(2) is variadic; on x86-64 and arm64 Linux integer and pointer arguments travel in the same
    // registers either way, and it only copies them into place.
    [LibraryImport("libc.so.6", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int* address, int operation, int value, Timespec* timeout);
}
