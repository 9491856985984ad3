using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// One epoll instance, and one thread waiting on it, for every child-process pipe the server reads: a pipe cannot go
/// through Socket's epoll engine, and a FileStream would park a pool thread in every read. Each registered pipe is
/// told when it may have become readable (edge-triggered: readers read until EAGAIN before they wait again).
/// Writers are told when it may have become writable. The
/// registration is known by a number, never by its fd, so an event that arrives as a pipe is closed and its fd number
/// reused cannot reach the wrong reader.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class PipeEvents
{
    private static readonly ConcurrentDictionary<ulong, Action> Watched = new();
    private static readonly Lazy<int> Epoll = new(Start);
    private static long _nextId;

    // struct epoll_event is packed on x86-64 (events at 0, data at 4; 12 bytes) and naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Watches <paramref name="fd"/> (a non-blocking pipe end) and calls <paramref name="ready"/> on the epoll
    /// thread whenever it may have become readable (<paramref name="write"/> false) or writable (true), or its other
    /// end was closed. <paramref name="ready"/> must only hand the news on, never do the I/O itself.</summary>
    /// <returns>The registration, for <see cref="Unregister"/>.</returns>
    public static ulong Register(int fd, bool write, Action ready)
    {
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        Watched[id] = ready;
        byte* evnt = stackalloc byte[16];
        *(uint*)evnt = (write ? LibC.EPOLLOUT : LibC.EPOLLIN) | LibC.EPOLLET;
        *(ulong*)(evnt + DataOffset) = id;
        if (LibC.EpollCtl(Epoll.Value, LibC.EPOLL_CTL_ADD, fd, evnt) != 0)
        {
            Watched.TryRemove(id, out _);
            throw LibC.LastError("epoll_ctl(ADD)");
        }
        return id;
    }

    /// <summary>Stops watching; call before the fd is closed.</summary>
    public static void Unregister(ulong id, int fd)
    {
        Watched.TryRemove(id, out _);
        byte* evnt = stackalloc byte[16]; // ignored by EPOLL_CTL_DEL, but kernels before 2.6.9 wanted one
        LibC.EpollCtl(Epoll.Value, LibC.EPOLL_CTL_DEL, fd, evnt);
    }

    private static int Start()
    {
        int epoll = LibC.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (epoll < 0) throw LibC.LastError("epoll_create1");
        new Thread(() => Loop(epoll), 256 * 1024) { IsBackground = true, Name = "sshcs pipe events" }.UnsafeStart();
        return epoll;
    }

    private static void Loop(int epoll)
    {
        const int MaxEvents = 64;
        byte* events = stackalloc byte[MaxEvents * 16];
        while (true)
        {
            int n = LibC.EpollWait(epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.EINTR) continue;
                throw LibC.LastError("epoll_wait"); // unreachable short of a kernel bug: epoll and the buffer are ours
            }
            for (int i = 0; i < n; i++)
            {
                ulong id = *(ulong*)(events + i * EventSize + DataOffset);
                if (Watched.TryGetValue(id, out Action? ready)) ready();
            }
        }
    }
}
