using System.Runtime.Versioning;
using System.Text;
using NUnit.Framework;
using Ssh.Server.Processes;
using static Ssh.Tests.Server.Processes.ProcessTestHelpers;

namespace Ssh.Tests.Server.Processes;

[SupportedOSPlatform("linux")]
public class PtyTests
{
    [Test, CancelAfter(10_000)]
    public async Task Tty_IsAPseudoTerminal_ThatIsTheControllingTerminal(CancellationToken ct)
    {
        await using var child = Sh("tty; ps -o tty= -p $$; echo \"$TERM\"", Pty());
        Assert.That(child.Error, Is.Null);
        Assert.That(child.Input, Is.SameAs(child.Output));
        string output = await ReadToEndAsync(child.Output, ct);
        string[] lines = output.Split("\r\n");
        Assert.That(lines[0], Does.Match(@"^/dev/pts/\d+$"), output);
        // ps names the controlling terminal: "pts/N", the same one.
        Assert.That("/dev/" + lines[1].Trim(), Is.EqualTo(lines[0]), output);
        Assert.That(lines[2], Is.EqualTo("xterm"), "TERM from the pty request");
        Assert.That((await child.Exited.WaitAsync(ct)).ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(10_000)]
    public async Task SttySize_IsTheInitialWindowSize(CancellationToken ct)
    {
        await using var child = Sh("stty size", Pty(columns: 132, rows: 43));
        Assert.That(await ReadToEndAsync(child.Output, ct), Is.EqualTo("43 132\r\n"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Resize_SetsTheSizeAndSendsSigwinch(CancellationToken ct)
    {
        await using var child = Sh("trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done", Pty());
        await ReadUntilAsync(child.Output, "ready\r\n", ct);
        child.Resize(100, 40, 800, 600);
        Assert.That(await ReadToEndAsync(child.Output, ct), Is.EqualTo("40 100\r\n"));
        Assert.That((await child.Exited.WaitAsync(ct)).ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(10_000)]
    public async Task EncodedModes_ReachTheTerminal(CancellationToken ct)
    {
        byte[] modes =
        [
            53, 0, 0, 0, 0,          // ECHO off
            1, 0, 0, 0, 24,          // VINTR = ^X
            3, 0, 0, 0, 255,         // VERASE disabled
            129, 0, 0, 0x25, 0x80,   // TTY_OP_OSPEED 9600
            128, 0, 0, 0x25, 0x80,   // TTY_OP_ISPEED 9600
            0,
        ];
        await using var child = Sh("stty -a", Pty(modes: modes));
        string output = await ReadToEndAsync(child.Output, ct);
        Assert.That(output, Does.Contain(" -echo "), output);
        Assert.That(output, Does.Contain("intr = ^X;"), output);
        Assert.That(output, Does.Contain("erase = <undef>;"), output);
        Assert.That(output, Does.Contain("speed 9600 baud"), output);
        Assert.That(output, Does.Contain(" icanon "), output);
    }

    [Test, CancelAfter(10_000)]
    public async Task DefaultModes_Echo(CancellationToken ct)
    {
        await using var child = Sh("stty -a", Pty());
        string output = await ReadToEndAsync(child.Output, ct);
        Assert.That(output, Does.Contain(" echo "), output);
    }

    [Test, CancelAfter(10_000)]
    public async Task CloseInput_WritesVeof_WhichEndsCat(CancellationToken ct)
    {
        await using var child = ChildProcess.Start(new ChildProcessOptions { FileName = "/bin/cat", Environment = Env, Pty = Pty() });
        await child.Input.WriteAsync(Encoding.ASCII.GetBytes("hello\n"), ct);
        // The terminal echoes the line, then cat writes it: both with ONLCR.
        Assert.That(await ReadUntilAsync(child.Output, "hello\r\nhello\r\n", ct), Is.EqualTo("hello\r\nhello\r\n"));
        child.CloseInput();
        var exit = await child.Exited.WaitAsync(ct);
        Assert.That(exit.ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(10_000)]
    public async Task SendSignal_ReachesTheWholeForegroundGroup(CancellationToken ct)
    {
        // Were only the shell signalled, its trap would have to wait for sleep to end.
        string seconds = $"30.{Random.Shared.Next(100_000, 999_999)}";
        await using var child = Sh($"trap 'echo got-int' INT; sleep {seconds}; echo after", Pty());
        // Signal once sleep has exec'd: before that the forked shell still has the trap's handler.
        while (FindByCommandLine("sleep", seconds).Count == 0)
        {
            await Task.Delay(10, ct);
        }
        Assert.That(child.SendSignal("INT"), Is.True);
        string output = await ReadToEndAsync(child.Output, ct);
        Assert.That(output, Does.Contain("got-int\r\nafter\r\n"));
        Assert.That((await child.Exited.WaitAsync(ct)).ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(10_000)]
    public async Task CtrlC_OnTheTerminal_InterruptsTheChild(CancellationToken ct)
    {
        await using var child = Sh("echo ready; exec sleep 30", Pty());
        await ReadUntilAsync(child.Output, "ready\r\n", ct);
        await child.Input.WriteAsync(new byte[] { 3 }, ct);
        Assert.That((await child.Exited.WaitAsync(ct)).SignalName, Is.EqualTo("INT"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Child_HasOnlyTheTerminalOpen(CancellationToken ct)
    {
        await using var child = ChildProcess.Start(new ChildProcessOptions
        {
            FileName = "/bin/ls", Arguments = ["-l", "/proc/self/fd"], Environment = Env, Pty = Pty(columns: 200),
        });
        string listing = await ReadToEndAsync(child.Output, ct);
        ChildProcessTests.AssertOnlyStdio(listing.Replace("\r\n", "\n"));
        Assert.That(listing, Does.Match(@"0 -> /dev/pts/\d+"));
    }

    [Test, CancelAfter(10_000)]
    public async Task DisposeAsync_EndsARunningShell(CancellationToken ct)
    {
        var child = Sh("echo ready; while :; do sleep 1; done", Pty());
        await ReadUntilAsync(child.Output, "ready\r\n", ct);
        await child.DisposeAsync().AsTask().WaitAsync(ct);
        Assert.That(child.Exited.Result.SignalName, Is.EqualTo("HUP"));
        Assert.That(IsOurZombie(child.ProcessId), Is.False);
    }

    [Test, CancelAfter(15_000)]
    public async Task LargeOutput_AllArrives(CancellationToken ct)
    {
        await using var child = Sh("head -c 1000000 /dev/zero | tr '\\0' x; echo", Pty());
        string output = await ReadToEndAsync(child.Output, ct);
        Assert.That(output, Is.EqualTo(new string('x', 1_000_000) + "\r\n"));
    }
}
