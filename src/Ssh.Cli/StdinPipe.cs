using System.Runtime.InteropServices;

namespace Ssh.Cli;

/// <summary>
/// Our stdin, when it is a pipe: grown from the kernel's 64 KiB to 1 MiB (F_SETPIPE_SZ, the most an unprivileged
/// process may ask for by default), so a producer such as <c>tar c . | sshcs exec host 'tar x'</c> runs further ahead
/// of us and each read takes more at once: fewer switches between the two processes per GB sent.
/// </summary>
internal static partial class StdinPipe
{
    private const int FSetPipeSize = 1031; // F_SETPIPE_SZ, Linux 2.6.35

    /// <summary>Grows stdin's pipe; does nothing (and fails quietly) where stdin is not a pipe or not on Linux.</summary>
    public static void Enlarge()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = Fcntl(0, FSetPipeSize, 1 << 20); // EBADF/EINVAL (not a pipe) or EPERM (over the limit): leave it as it is
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without fcntl under this name: nothing to gain, nothing lost.
        }
    }

    // fcntl is variadic; an int argument travels in the same register either way on x86-64 and arm64 Linux.
    [LibraryImport("libc.so.6", EntryPoint = "fcntl")]
    private static partial int Fcntl(int fd, int command, int argument);
}
