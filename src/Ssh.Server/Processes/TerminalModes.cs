using System.Buffers.Binary;
using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>
/// Applies the encoded terminal modes of RFC 4254 §8 to a Linux termios. The stream is a sequence of
/// (opcode byte, uint32 argument) ended by TTY_OP_END (0); opcodes 160..255 have arguments of unknown
/// form, so parsing stops at the first one (§8). Opcodes Linux has no equivalent for (VDSUSP, VSTATUS,
/// VFLUSH, ...) and unknown ones below 160 are skipped, as OpenSSH does.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class TerminalModes
{
    private const byte TTY_OP_END = 0, TTY_OP_ISPEED = 128, TTY_OP_OSPEED = 129;

    private enum Field { CC, IFlag, OFlag, CFlag, LFlag }

    // Opcode → (termios field, c_cc index or flag bits), with the <termios.h> values of x86-64 Linux.
    private static readonly Dictionary<byte, (Field Field, uint Value)> Map = new()
    {
        // Special characters: the value is the c_cc index.
        [1] = (Field.CC, 0),    // VINTR
        [2] = (Field.CC, 1),    // VQUIT
        [3] = (Field.CC, 2),    // VERASE
        [4] = (Field.CC, 3),    // VKILL
        [5] = (Field.CC, 4),    // VEOF
        [6] = (Field.CC, 11),   // VEOL
        [7] = (Field.CC, 16),   // VEOL2
        [8] = (Field.CC, 8),    // VSTART
        [9] = (Field.CC, 9),    // VSTOP
        [10] = (Field.CC, 10),  // VSUSP
        [12] = (Field.CC, 12),  // VREPRINT
        [13] = (Field.CC, 14),  // VWERASE
        [14] = (Field.CC, 15),  // VLNEXT
        [16] = (Field.CC, 7),   // VSWTCH → VSWTC
        [18] = (Field.CC, 13),  // VDISCARD
        // c_iflag
        [30] = (Field.IFlag, 0x0004),  // IGNPAR
        [31] = (Field.IFlag, 0x0008),  // PARMRK
        [32] = (Field.IFlag, 0x0010),  // INPCK
        [33] = (Field.IFlag, 0x0020),  // ISTRIP
        [34] = (Field.IFlag, 0x0040),  // INLCR
        [35] = (Field.IFlag, 0x0080),  // IGNCR
        [36] = (Field.IFlag, 0x0100),  // ICRNL
        [37] = (Field.IFlag, 0x0200),  // IUCLC
        [38] = (Field.IFlag, 0x0400),  // IXON
        [39] = (Field.IFlag, 0x0800),  // IXANY
        [40] = (Field.IFlag, 0x1000),  // IXOFF
        [41] = (Field.IFlag, 0x2000),  // IMAXBEL
        [42] = (Field.IFlag, 0x4000),  // IUTF8 (RFC 8160)
        // c_lflag
        [50] = (Field.LFlag, 0x0001),  // ISIG
        [51] = (Field.LFlag, 0x0002),  // ICANON
        [52] = (Field.LFlag, 0x0004),  // XCASE
        [53] = (Field.LFlag, 0x0008),  // ECHO
        [54] = (Field.LFlag, 0x0010),  // ECHOE
        [55] = (Field.LFlag, 0x0020),  // ECHOK
        [56] = (Field.LFlag, 0x0040),  // ECHONL
        [57] = (Field.LFlag, 0x0080),  // NOFLSH
        [58] = (Field.LFlag, 0x0100),  // TOSTOP
        [59] = (Field.LFlag, 0x8000),  // IEXTEN
        [60] = (Field.LFlag, 0x0200),  // ECHOCTL
        [61] = (Field.LFlag, 0x0800),  // ECHOKE
        [62] = (Field.LFlag, 0x4000),  // PENDIN
        // c_oflag
        [70] = (Field.OFlag, 0x0001),  // OPOST
        [71] = (Field.OFlag, 0x0002),  // OLCUC
        [72] = (Field.OFlag, 0x0004),  // ONLCR
        [73] = (Field.OFlag, 0x0008),  // OCRNL
        [74] = (Field.OFlag, 0x0010),  // ONOCR
        [75] = (Field.OFlag, 0x0020),  // ONLRET
        // c_cflag: CS7/CS8 are values of the CSIZE field, PARENB/PARODD bits.
        [90] = (Field.CFlag, 0x0020),  // CS7
        [91] = (Field.CFlag, 0x0030),  // CS8
        [92] = (Field.CFlag, 0x0100),  // PARENB
        [93] = (Field.CFlag, 0x0200),  // PARODD
    };

    private const uint CSIZE = 0x0030;

    // Baud rate → speed_t (Bnnn) for cfsetispeed/cfsetospeed.
    private static readonly Dictionary<uint, uint> Speeds = new()
    {
        [0] = 0, [50] = 1, [75] = 2, [110] = 3, [134] = 4, [150] = 5, [200] = 6, [300] = 7, [600] = 8,
        [1200] = 9, [1800] = 10, [2400] = 11, [4800] = 12, [9600] = 13, [19200] = 14, [38400] = 15,
        [57600] = 0x1001, [115200] = 0x1002, [230400] = 0x1003, [460800] = 0x1004, [500000] = 0x1005,
        [576000] = 0x1006, [921600] = 0x1007, [1000000] = 0x1008, [1152000] = 0x1009, [1500000] = 0x100A,
        [2000000] = 0x100B, [2500000] = 0x100C, [3000000] = 0x100D, [3500000] = 0x100E, [4000000] = 0x100F,
    };

    /// <summary>Applies <paramref name="encoded"/> to <paramref name="termios"/>; a truncated stream ends it.</summary>
    public static void Apply(ReadOnlySpan<byte> encoded, ref LibC.Termios termios)
    {
        while (encoded.Length >= 1)
        {
            byte opcode = encoded[0];
            if (opcode == TTY_OP_END || opcode >= 160 || encoded.Length < 5)
            {
                return;
            }
            uint argument = BinaryPrimitives.ReadUInt32BigEndian(encoded.Slice(1, 4));
            encoded = encoded[5..];

            if (opcode is TTY_OP_ISPEED or TTY_OP_OSPEED)
            {
                if (Speeds.TryGetValue(argument, out uint speed))
                {
                    fixed (LibC.Termios* t = &termios)
                    {
                        _ = opcode == TTY_OP_ISPEED ? LibC.CfSetISpeed(t, speed) : LibC.CfSetOSpeed(t, speed);
                    }
                }
                continue;
            }
            if (!Map.TryGetValue(opcode, out var mode))
            {
                continue;
            }
            switch (mode.Field)
            {
                case Field.CC:
                    // 255 means "disabled" in the SSH encoding (OpenSSH ttymodes.c); Linux's _POSIX_VDISABLE is 0.
                    termios.CC[(int)mode.Value] = argument == 255 ? (byte)0 : (byte)argument;
                    break;
                case Field.CFlag when (mode.Value & CSIZE) == mode.Value:
                    // CS7/CS8: a true argument selects that character size; false says nothing about the
                    // other size (OpenSSH clients send CS7=1 and CS8=1 for an 8-bit terminal).
                    if (argument != 0)
                    {
                        termios.CFlag = (termios.CFlag & ~CSIZE) | mode.Value;
                    }
                    break;
                case Field.IFlag: termios.IFlag = Set(termios.IFlag, mode.Value, argument); break;
                case Field.OFlag: termios.OFlag = Set(termios.OFlag, mode.Value, argument); break;
                case Field.CFlag: termios.CFlag = Set(termios.CFlag, mode.Value, argument); break;
                case Field.LFlag: termios.LFlag = Set(termios.LFlag, mode.Value, argument); break;
            }
        }
    }

    private static uint Set(uint flags, uint bits, uint argument) => argument != 0 ? flags | bits : flags & ~bits;
}
