using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// A freshly allocated pseudo-terminal: the master (close-on-exec, non-blocking) and the slave's path,
/// with the slave held open by this process until the child has opened it (so the terminal is never
/// without a slave in between, which would make the master report a hang-up).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed unsafe class PseudoTerminal : IDisposable
{
    public int MasterFd { get; private set; } = -1;
    public int SlaveFd { get; private set; } = -1;
    public string SlavePath { get; }

    private PseudoTerminal(int master, int slave, string slavePath)
    {
        MasterFd = master;
        SlaveFd = slave;
        SlavePath = slavePath;
    }

    /// <summary>posix_openpt, grantpt, unlockpt, ptsname_r; then the window size and the modes on the slave.</summary>
    public static PseudoTerminal Open(PtyOptions options)
    {
        int master = LibC.PosixOpenPt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (master < 0)
        {
            throw LibC.LastError("posix_openpt");
        }
        int slave = -1;
        try
        {
            if (LibC.GrantPt(master) != 0)
            {
                throw LibC.LastError("grantpt");
            }
            if (LibC.UnlockPt(master) != 0)
            {
                throw LibC.LastError("unlockpt");
            }
            byte* name = stackalloc byte[128];
            int error = LibC.PtsNameR(master, name, 128);
            if (error != 0)
            {
                throw LibC.Error("ptsname_r", error);
            }
            string slavePath = Marshal.PtrToStringUTF8((nint)name)!;

            // O_NOCTTY: this process must never acquire the terminal as its own controlling terminal.
            slave = LibC.Open(name, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC, 0);
            if (slave < 0)
            {
                throw LibC.LastError($"open {slavePath}");
            }
            SetWindowSize(master, options.Columns, options.Rows, options.WidthPixels, options.HeightPixels);

            LibC.Termios termios;
            if (LibC.TcGetAttr(slave, &termios) != 0)
            {
                throw LibC.LastError("tcgetattr");
            }
            TerminalModes.Apply(options.EncodedModes.Span, ref termios);
            if (LibC.TcSetAttr(slave, LibC.TCSANOW, &termios) != 0)
            {
                throw LibC.LastError("tcsetattr");
            }
            return new PseudoTerminal(master, slave, slavePath);
        }
        catch
        {
            if (slave >= 0)
            {
                LibC.Close(slave);
            }
            LibC.Close(master);
            throw;
        }
    }

    /// <summary>TIOCSWINSZ on the master; the kernel sends SIGWINCH to the terminal's foreground group.</summary>
    public static void SetWindowSize(int masterFd, int columns, int rows, int widthPixels, int heightPixels)
    {
        var size = new LibC.WinSize
        {
            Columns = Clamp(columns), Rows = Clamp(rows), WidthPixels = Clamp(widthPixels), HeightPixels = Clamp(heightPixels),
        };
        if (LibC.Ioctl(masterFd, LibC.TIOCSWINSZ, &size) != 0)
        {
            throw LibC.LastError("ioctl(TIOCSWINSZ)");
        }
    }

    /// <summary>The terminal's VEOF character (^D unless the modes changed it); 0 when disabled.</summary>
    public static byte EofCharacter(int masterFd)
    {
        // On Linux the termios ioctls on a master act on the slave side's settings.
        LibC.Termios termios;
        return LibC.TcGetAttr(masterFd, &termios) == 0 ? termios.CC[4] : (byte)4;
    }

    // The window-change fields are uint32 on the wire (RFC 4254 §6.7); struct winsize holds ushorts.
    private static ushort Clamp(int value) => (ushort)Math.Clamp(value, 0, ushort.MaxValue);

    /// <summary>Closes this process's slave fd once the child has its own.</summary>
    public void CloseSlave()
    {
        if (SlaveFd >= 0)
        {
            LibC.Close(SlaveFd);
            SlaveFd = -1;
        }
    }

    /// <summary>Hands the master over to its new owner.</summary>
    public int TakeMaster()
    {
        int fd = MasterFd;
        MasterFd = -1;
        return fd;
    }

    public void Dispose()
    {
        CloseSlave();
        if (MasterFd >= 0)
        {
            LibC.Close(MasterFd);
            MasterFd = -1;
        }
    }
}
