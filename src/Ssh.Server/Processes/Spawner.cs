using System.Runtime.Versioning;
using System.Text;

namespace Ssh.Server.Processes;

/// <summary>
/// Starts a child with glibc's posix_spawn, never fork() from managed code (the runtime's other threads
/// and its GC make a forked copy unsafe to run managed code in; posix_spawn does clone(CLONE_VFORK) and
/// runs only libc code before the exec).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class Spawner
{
    private static bool s_closeFromMissing;

    /// <summary>
    /// Spawns the child with its stdio either on the terminal at <paramref name="slavePath"/> or on the
    /// three given fds, in a new session, with default signal dispositions and an empty signal mask, and
    /// with every fd other than 0–2 closed. Returns the pid; throws an <see cref="IOException"/> naming
    /// the program and carrying the errno text when the spawn fails (including a failed chdir or exec).
    /// </summary>
    public static int Spawn(ChildProcessOptions options, string? slavePath, int stdinFd, int stdoutFd, int stderrFd)
    {
        var argv = new List<string>(options.Arguments.Count + 1) { options.ArgumentZero ?? options.FileName };
        argv.AddRange(options.Arguments);
        var env = new List<string>(options.Environment.Count);
        foreach (var (name, value) in options.Environment)
        {
            if (name.Length == 0 || name.Contains('='))
            {
                throw new ArgumentException($"'{name}' is not a valid environment variable name.", nameof(options));
            }
            env.Add(name + "=" + value);
        }
        // sshd sets TERM from the pty-req (RFC 4254 §6.2); the caller's own TERM, if any, wins.
        if (options.Pty is { Term.Length: > 0 } pty && !options.Environment.ContainsKey("TERM"))
        {
            env.Add("TERM=" + pty.Term);
        }

        using var nativeArgv = new NativeStringArray(argv, "arguments");
        using var nativeEnv = new NativeStringArray(env, "environment");
        byte[] path = Utf8z(options.FileName, nameof(options.FileName));
        byte[]? directory = options.WorkingDirectory is null ? null : Utf8z(options.WorkingDirectory, nameof(options.WorkingDirectory));
        byte[]? slave = slavePath is null ? null : Utf8z(slavePath, "slave path");

        // 8-byte aligned storage for glibc's opaque structs, generously sized.
        long* actions = stackalloc long[LibC.SpawnFileActionsSize / 8];
        long* attr = stackalloc long[LibC.SpawnAttrSize / 8];
        long* sigset = stackalloc long[LibC.SigSetSize / 8];

        Check(LibC.FileActionsInit(actions), "posix_spawn_file_actions_init");
        try
        {
            Check(LibC.SpawnAttrInit(attr), "posix_spawnattr_init");
            try
            {
                fixed (byte* pathPtr = path)
                fixed (byte* directoryPtr = directory)
                fixed (byte* slavePtr = slave)
                {
                    // glibc runs the file actions after setsid(), so opening the slave without O_NOCTTY
                    // makes it the new session's controlling terminal.
                    if (slavePtr is not null)
                    {
                        Check(LibC.FileActionsAddOpen(actions, 0, slavePtr, LibC.O_RDWR, 0), "posix_spawn_file_actions_addopen");
                        Check(LibC.FileActionsAddDup2(actions, 0, 1), "posix_spawn_file_actions_adddup2");
                        Check(LibC.FileActionsAddDup2(actions, 0, 2), "posix_spawn_file_actions_adddup2");
                    }
                    else
                    {
                        // dup2 clears FD_CLOEXEC on the target; the sources are close-on-exec.
                        Check(LibC.FileActionsAddDup2(actions, stdinFd, 0), "posix_spawn_file_actions_adddup2");
                        Check(LibC.FileActionsAddDup2(actions, stdoutFd, 1), "posix_spawn_file_actions_adddup2");
                        Check(LibC.FileActionsAddDup2(actions, stderrFd, 2), "posix_spawn_file_actions_adddup2");
                    }
                    AddCloseFrom3(actions);
                    if (directoryPtr is not null)
                    {
                        Check(LibC.FileActionsAddChdir(actions, directoryPtr), "posix_spawn_file_actions_addchdir_np");
                    }

                    // A new session in both cases, as sshd does: the child leaves this process's terminal
                    // and process group. The runtime ignores SIGPIPE and blocks signals on some threads;
                    // a child must start with neither.
                    Check(LibC.SpawnAttrSetFlags(attr, LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGDEF | LibC.POSIX_SPAWN_SETSIGMASK),
                        "posix_spawnattr_setflags");
                    // Every signal, 32 and 33 included: glibc's sigfillset leaves out its internal
                    // signals, and posix_spawn then leaves them ignored in the child, across the exec.
                    new Span<byte>(sigset, LibC.SigSetSize).Fill(0xFF);
                    Check(LibC.SpawnAttrSetSigDefault(attr, sigset), "posix_spawnattr_setsigdefault");
                    LibC.SigEmptySet(sigset);
                    Check(LibC.SpawnAttrSetSigMask(attr, sigset), "posix_spawnattr_setsigmask");

                    int error = LibC.PosixSpawn(out int pid, pathPtr, actions, attr, nativeArgv.Pointer, nativeEnv.Pointer);
                    if (error != 0)
                    {
                        string where = options.WorkingDirectory is null ? "" : $" in '{options.WorkingDirectory}'";
                        throw LibC.Error($"Cannot start '{options.FileName}'{where}", error);
                    }
                    return pid;
                }
            }
            finally
            {
                LibC.SpawnAttrDestroy(attr);
            }
        }
        finally
        {
            LibC.FileActionsDestroy(actions);
        }
    }

    // Everything this process opens itself is close-on-exec, but fds inherited from whoever started it,
    // or opened by native code without O_CLOEXEC, are not; closefrom catches those too (glibc >= 2.34).
    private static void AddCloseFrom3(void* actions)
    {
        if (s_closeFromMissing)
        {
            return;
        }
        try
        {
            Check(LibC.FileActionsAddCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
        }
        catch (EntryPointNotFoundException)
        {
            s_closeFromMissing = true;
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw LibC.Error(what, error);
        }
    }

    private static byte[] Utf8z(string value, string what)
    {
        if (value.Contains('\0'))
        {
            throw new ArgumentException($"The {what} contains a NUL character.", what);
        }
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}
