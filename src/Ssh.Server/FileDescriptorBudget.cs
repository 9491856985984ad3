using System.Runtime.InteropServices;

namespace Ssh.Server;

/// <summary>
/// The process's file descriptors, as a budget: what one peer can make us open (connections, forward listeners and
/// their connections, command processes) is refused once few are left, so the process never meets EMFILE in a place
/// that cannot fail cleanly (the runtime aborts when it cannot get one for itself). The headroom kept is a tenth of
/// the limit (at least 32) for new connections, an eighth (at least 64) for commands, and a quarter (at least 128)
/// for forwarding: a user who opens forwards until refused leaves room for the next login and its command. The open
/// descriptors are counted (from /proc/self/fd) every 100 ms, and again before refusing on estimates.
/// </summary>
internal static partial class FileDescriptorBudget
{
    private const int RLIMIT_NOFILE = 7;
    // When the open descriptors are next counted (Environment.TickCount64, ms). Not "last counted at long.MinValue":
    // now − long.MinValue overflows to a negative number, so the first count never came and every grant piled up
    // until commands were refused after about (limit − headroom) / 16 logins.
    private static long s_nextCountAt;
    private static int s_open;
    private static int s_grantedSinceCount;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current, Maximum;
    }

    [LibraryImport("libc.so.6", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    /// <summary>The soft limit on open descriptors (RLIMIT_NOFILE), or int.MaxValue where it cannot be read.</summary>
    public static int Limit
    {
        get
        {
            if (!OperatingSystem.IsLinux() || GetRLimit(RLIMIT_NOFILE, out RLimit limit) != 0) return int.MaxValue;
            return limit.Current > int.MaxValue ? int.MaxValue : (int)limit.Current;
        }
    }

    /// <summary>For forwarding (a listener, a connection to a destination): true when <paramref name="needed"/> more
    /// descriptors fit under the limit with the headroom kept, and
    /// then counts them as taken. Counting the open ones reads /proc/self/fd, so the count is reused for 100 ms, with
    /// what was granted since added to it: a burst of requests cannot slip through between two counts.</summary>
    public static bool HasRoomForForwarding(int needed = 1) => HasRoom(needed, limit => Math.Max(128, limit / 4));

    /// <summary>As <see cref="HasRoomForForwarding"/>, for a command's process, pipes and pty.</summary>
    public static bool HasRoomForCommand(int needed) => HasRoom(needed, limit => Math.Max(64, limit / 8));

    /// <summary>As <see cref="HasRoomForForwarding"/>, for a new connection: it may use what is kept back from users.</summary>
    public static bool HasRoomForConnection(int needed) => HasRoom(needed, limit => Math.Max(32, limit / 10));

    private static bool HasRoom(int needed, Func<int, int> headroomFor)
    {
        int limit = Limit;
        if (limit == int.MaxValue || !Directory.Exists("/proc/self/fd")) return true;
        int room = limit - headroomFor(limit);
        if (Environment.TickCount64 >= Volatile.Read(ref s_nextCountAt) && !Count()) return false;
        if (Volatile.Read(ref s_open) + Volatile.Read(ref s_grantedSinceCount) + needed > room)
        {
            // About to refuse on estimates (a burst of logins reserves 8 each): decide on what is really open. Once
            // per burst, since a refusal grants nothing and the fresh count leaves nothing estimated.
            if (Volatile.Read(ref s_grantedSinceCount) == 0 || !Count()) return false;
            if (Volatile.Read(ref s_open) + needed > room) return false;
        }
        Interlocked.Add(ref s_grantedSinceCount, needed);
        return true;
    }

    /// <summary>Counts the open descriptors (reading /proc/self/fd) and forgets what was granted before; false when
    /// they cannot even be listed.</summary>
    private static bool Count()
    {
        try
        {
            Volatile.Write(ref s_open, Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
            Volatile.Write(ref s_grantedSinceCount, 0);
            Volatile.Write(ref s_nextCountAt, Environment.TickCount64 + 100);
            return true;
        }
        catch (IOException)
        {
            return false; // cannot even list them: as good as out
        }
    }
}
