using System.Runtime.Versioning;
using NUnit.Framework;
using Ssh.Server.Processes;

namespace Ssh.Tests.Server.Processes;

[SupportedOSPlatform("linux")]
public class TerminalModesTests
{
    private static unsafe LibC.Termios Apply(LibC.Termios termios, params byte[] encoded)
    {
        TerminalModes.Apply(encoded, ref termios);
        return termios;
    }

    private static byte[] Op(byte opcode, uint argument) =>
        [opcode, (byte)(argument >> 24), (byte)(argument >> 16), (byte)(argument >> 8), (byte)argument];

    [Test]
    public void Flags_SetAndClear()
    {
        var t = new LibC.Termios { LFlag = 0x0008, IFlag = 0 };
        t = Apply(t, [.. Op(53, 0), .. Op(51, 1), .. Op(36, 1), .. Op(72, 1), .. Op(92, 1), 0]);
        Assert.That(t.LFlag, Is.EqualTo(0x0002u), "ECHO cleared, ICANON set");
        Assert.That(t.IFlag, Is.EqualTo(0x0100u), "ICRNL");
        Assert.That(t.OFlag, Is.EqualTo(0x0004u), "ONLCR");
        Assert.That(t.CFlag, Is.EqualTo(0x0100u), "PARENB");
    }

    [Test]
    public unsafe void SpecialCharacters_255IsDisabled()
    {
        var t = Apply(default, [.. Op(1, 3), .. Op(5, 4), .. Op(3, 255), 0]);
        Assert.That(t.CC[0], Is.EqualTo(3), "VINTR");
        Assert.That(t.CC[4], Is.EqualTo(4), "VEOF");
        Assert.That(t.CC[2], Is.EqualTo(0), "VERASE disabled");
    }

    [Test]
    public void CharacterSize_TrueSelects_FalseLeaves()
    {
        var t = new LibC.Termios { CFlag = 0x0030 };
        Assert.That(Apply(t, [.. Op(90, 1), .. Op(91, 0), 0]).CFlag, Is.EqualTo(0x0020u), "CS7");
        Assert.That(Apply(t, [.. Op(90, 1), .. Op(91, 1), 0]).CFlag, Is.EqualTo(0x0030u), "CS8 as OpenSSH sends it");
        Assert.That(Apply(t, [.. Op(90, 0), 0]).CFlag, Is.EqualTo(0x0030u));
    }

    [Test]
    public void UnknownOpcodesSkipped_StopsAt160_AndAtTruncation()
    {
        var t = Apply(default, [.. Op(11, 1), .. Op(99, 1), .. Op(53, 1), .. Op(160, 1), .. Op(50, 1)]);
        Assert.That(t.LFlag, Is.EqualTo(0x0008u), "ECHO applied, ISIG after opcode 160 not");
        Assert.That(Apply(default, [53, 0, 0, 0]).LFlag, Is.EqualTo(0u), "truncated argument");
        Assert.That(Apply(default, [0, .. Op(53, 1)]).LFlag, Is.EqualTo(0u), "after TTY_OP_END");
        Assert.That(Apply(default, []).LFlag, Is.EqualTo(0u));
    }
}
