using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// The glibc calls the process layer needs, with x86-64/arm64 Linux constants. Raw fds are ints;
/// ownership is tracked by the callers. Functions that report errors through errno set it as the
/// last P/Invoke error; the posix_spawn family returns the error number instead.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    // "libc.so.6" and not "libc": the unversioned libc.so is a linker script (when it exists at all).
    private const string Lib = "libc.so.6";

    // errno values
    public const int EINTR = 4, EIO = 5, ECHILD = 10, EAGAIN = 11, ESRCH = 3, EPIPE = 32;

    // open(2) flags
    public const int O_RDWR = 0x2, O_NOCTTY = 0x100, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    // socket(2)
    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;

    // <spawn.h> (glibc)
    public const short POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    // waitid(2)
    public const int P_PID = 1, WEXITED = 4, WNOWAIT = 0x01000000;

    // poll(2)
    public const short POLLIN = 0x1, POLLOUT = 0x4;

    // ioctl(2) on a tty
    public const uint TIOCSWINSZ = 0x5414;

    // tcsetattr(3)
    public const int TCSANOW = 0;

    public const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    // Sizes glibc uses on 64-bit Linux, rounded up: posix_spawn_file_actions_t is 80 bytes,
    // posix_spawnattr_t 336, sigset_t 128, siginfo_t 128.
    public const int SpawnFileActionsSize = 128, SpawnAttrSize = 512, SigSetSize = 128, SigInfoSize = 128;

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize
    {
        public ushort Rows, Columns, WidthPixels, HeightPixels;
    }

    /// <summary>glibc's struct termios (60 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Termios
    {
        public uint IFlag, OFlag, CFlag, LFlag;
        public byte Line;
        public fixed byte CC[32];
        public uint ISpeed, OSpeed;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events, REvents;
    }

    [LibraryImport(Lib, EntryPoint = "posix_spawn")]
    public static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* fileActions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* fileActions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addopen")]
    public static partial int FileActionsAddOpen(void* fileActions, int fd, byte* path, int flags, uint mode);

    // glibc >= 2.29
    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addchdir_np")]
    public static partial int FileActionsAddChdir(void* fileActions, byte* path);

    // glibc >= 2.34
    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    public static partial int FileActionsAddCloseFrom(void* fileActions, int from);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_init")]
    public static partial int SpawnAttrInit(void* attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_destroy")]
    public static partial int SpawnAttrDestroy(void* attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setflags")]
    public static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int SpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int SpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport(Lib, EntryPoint = "sigemptyset")]
    public static partial int SigEmptySet(void* sigset);

    [LibraryImport(Lib, EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true)]
    public static partial int Open(byte* path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenPt(int flags);

    [LibraryImport(Lib, EntryPoint = "grantpt", SetLastError = true)]
    public static partial int GrantPt(int fd);

    [LibraryImport(Lib, EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int UnlockPt(int fd);

    // Returns the error number (not -1/errno).
    [LibraryImport(Lib, EntryPoint = "ptsname_r")]
    public static partial int PtsNameR(int fd, byte* buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Lib, EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, Termios* termios);

    [LibraryImport(Lib, EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int optionalActions, Termios* termios);

    [LibraryImport(Lib, EntryPoint = "cfsetispeed", SetLastError = true)]
    public static partial int CfSetISpeed(Termios* termios, uint speed);

    [LibraryImport(Lib, EntryPoint = "cfsetospeed", SetLastError = true)]
    public static partial int CfSetOSpeed(Termios* termios, uint speed);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Lib, EntryPoint = "waitid", SetLastError = true)]
    public static partial int WaitId(int idType, int id, void* info, int options);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    // fcntl(2)
    public const int F_GETFL = 3, F_SETFL = 4;

    // fcntl is variadic; an int argument travels in the same register either way on x86-64 and arm64 Linux.
    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    // epoll(7)
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x1, EPOLLOUT = 0x4, EPOLLHUP = 0x10, EPOLLET = 0x80000000;

    [LibraryImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    // evnt: a struct epoll_event, packed (12 bytes) on x86-64, 16 bytes on arm64.
    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* evnt);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMilliseconds);

    /// <summary>An <see cref="IOException"/> that names the failed call and carries the errno text.</summary>
    public static IOException Error(string what, int errno) =>
        new($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    public static IOException LastError(string what) => Error(what, Marshal.GetLastPInvokeError());
}
