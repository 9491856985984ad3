using System.Runtime.InteropServices;

namespace Ssh.Channels;

/// <summary>
/// Parks one thread until another wakes it. On Linux this is a bare futex (futex(2)): the waker makes one system
/// call and holds no lock while it does, so the woken thread does not run straight into a lock its waker still holds.
/// That matters because Linux often switches to the woken thread at once; with <see cref="Monitor.Pulse"/>, which
/// must be called under the lock, the woken reader would find the read loop's lock taken and block a second time.
/// Elsewhere (or without glibc) it falls back to a monitor. A wake-up before the wait is kept: <see cref="Arm"/>, then
/// <see cref="Block"/> returns at once if <see cref="Wake"/> came in between. Spurious returns are possible; callers
/// re-check their condition.
/// </summary>
internal sealed unsafe class ThreadWakeup
{
    private const int FutexWaitPrivate = 128, FutexWakePrivate = 129; // FUTEX_WAIT | FUTEX_PRIVATE_FLAG, FUTEX_WAKE | ...

    // futex(2) through glibc's syscall(2), looked up once. Null (the monitor serves) off Linux, on an architecture whose
    // futex number is not known here, or where there is no libc.so.6 exporting syscall (musl): a missing library must
    // not turn every blocking read into a DllNotFoundException.
    private static readonly delegate* unmanaged<long, int*, int, int, Timespec*, long> Syscall = FindSyscall();
    private static readonly long FutexNumber = RuntimeInformation.ProcessArchitecture switch
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
        if (Syscall == null)
        {
            lock (_word)
            {
                if (_word[0] == 0) Monitor.Wait(_word, timeoutMilliseconds);
            }
            return;
        }
        var timeout = new Timespec { Seconds = timeoutMilliseconds / 1000, Nanoseconds = timeoutMilliseconds % 1000 * 1_000_000L };
        fixed (int* word = _word)
        {
            // EAGAIN (already woken), EINTR (a signal) and ETIMEDOUT all just return: the caller re-checks.
            Syscall(FutexNumber, word, FutexWaitPrivate, 0, timeoutMilliseconds < 0 ? null : &timeout);
        }
    }

    /// <summary>Wakes the blocked thread, or makes its next <see cref="Block"/> return at once.</summary>
    public void Wake()
    {
        Volatile.Write(ref _word[0], 1);
        if (Syscall == null)
        {
            lock (_word) Monitor.Pulse(_word);
            return;
        }
        fixed (int* word = _word) Syscall(FutexNumber, word, FutexWakePrivate, 1, null);
    }

    // glibc's syscall(2) is variadic; on x86-64 and arm64 Linux integer and pointer arguments travel in the same
    // registers either way, and it only copies them into place.
    private static delegate* unmanaged<long, int*, int, int, Timespec*, long> FindSyscall()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)) return null;
        return NativeLibrary.TryLoad("libc.so.6", out IntPtr libc) && NativeLibrary.TryGetExport(libc, "syscall", out IntPtr syscall)
            ? (delegate* unmanaged<long, int*, int, int, Timespec*, long>)syscall
            : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
