using System.Runtime.Versioning;
using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Server.Processes;
using static Ssh.Tests.Server.Processes.ProcessTestHelpers;

namespace Ssh.Tests.Server.Processes;

[SupportedOSPlatform("linux")]
public class ChildProcessTests
{
    [Test, CancelAfter(10_000)]
    public async Task ExitCode_StdoutAndStderrApart(CancellationToken ct)
    {
        await using var child = Sh("echo hi; echo err >&2; exit 3");
        var output = ReadToEndAsync(child.Output, ct);
        var error = ReadToEndAsync(child.Error!, ct);
        var exit = await child.Exited.WaitAsync(ct);

        Assert.That(await output, Is.EqualTo("hi\n"));
        Assert.That(await error, Is.EqualTo("err\n"));
        Assert.That(exit, Is.EqualTo(new ChildExit(3, null, false)));
    }

    [Test, CancelAfter(30_000)]
    public async Task Stdin_TenMegabytesThroughCatAndSha256sum_EofByCloseInput(CancellationToken ct)
    {
        byte[] data = new byte[10 * 1024 * 1024];
        new Random(42).NextBytes(data);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));

        await using var child = Sh("cat | sha256sum");
        var output = ReadToEndAsync(child.Output, ct);
        for (int offset = 0; offset < data.Length; offset += 65536)
        {
            await child.Input.WriteAsync(data.AsMemory(offset, 65536), ct);
        }
        child.CloseInput();

        Assert.That(await output, Is.EqualTo(expected + "  -\n"));
        Assert.That((await child.Exited.WaitAsync(ct)).ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(10_000)]
    public async Task KilledBySignal_ReportsTheSignalName(CancellationToken ct)
    {
        await using var child = Sh("kill -TERM $$; sleep 5");
        var exit = await child.Exited.WaitAsync(ct);
        Assert.That(exit.ExitCode, Is.Null);
        Assert.That(exit.SignalName, Is.EqualTo("TERM"));
        Assert.That(exit.SignalNumber, Is.EqualTo(15));
        Assert.That(exit.CoreDumped, Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task SendSignal_Int_EndsSleep(CancellationToken ct)
    {
        await using var child = ChildProcess.Start(new ChildProcessOptions { FileName = "/bin/sleep", Arguments = ["30"], Environment = Env });
        Assert.That(child.SendSignal("NOSUCH"), Is.False);
        Assert.That(child.SendSignal("SIGINT"), Is.False, "names carry no SIG prefix");
        Assert.That(child.SendSignal("INT"), Is.True);

        var exit = await child.Exited.WaitAsync(ct);
        Assert.That(exit.SignalName, Is.EqualTo("INT"));
        Assert.That(exit.ExitCode, Is.Null);
        Assert.That(child.SendSignal("TERM"), Is.False, "the child is reaped");
    }

    [Test, CancelAfter(10_000)]
    public async Task EnvironmentAndWorkingDirectory_AreHonoured_NothingInherited(CancellationToken ct)
    {
        string dir = Directory.CreateTempSubdirectory("ssh-proc-").FullName;
        try
        {
            var env = new Dictionary<string, string>(Env) { ["GREETING"] = "hello world", ["EMPTY"] = "" };
            await using var child = Sh("echo \"$GREETING\"; echo \"${EMPTY-unset}.\"; echo \"${HOME-unset}\"; pwd", env: env, cwd: dir);
            string output = await ReadToEndAsync(child.Output, ct);
            Assert.That(output, Is.EqualTo($"hello world\n.\nunset\n{dir}\n"));
            Assert.That((await child.Exited.WaitAsync(ct)).ExitCode, Is.EqualTo(0));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Test]
    public void Start_MissingProgramOrDirectory_ThrowsWithErrnoText()
    {
        var missing = Assert.Throws<IOException>(() => ChildProcess.Start(new ChildProcessOptions { FileName = "/nonexistent/program" }));
        Assert.That(missing!.Message, Does.Contain("/nonexistent/program").And.Contain("No such file or directory"));

        var noDir = Assert.Throws<IOException>(() => ChildProcess.Start(new ChildProcessOptions { FileName = "/bin/true", WorkingDirectory = "/nonexistent-dir" }));
        Assert.That(noDir!.Message, Does.Contain("/nonexistent-dir").And.Contain("No such file or directory"));

        Assert.Throws<ArgumentException>(() => ChildProcess.Start(new ChildProcessOptions
        {
            FileName = "/bin/true",
            Environment = new Dictionary<string, string> { ["A=B"] = "c" },
        }));
    }

    [Test, CancelAfter(20_000)]
    public async Task BackgroundChild_HoldsNoneOfOurFds(CancellationToken ct)
    {
        string seconds = $"60.{Random.Shared.Next(100_000, 999_999)}";
        try
        {
            await using var child = Sh($"nohup sleep {seconds} > /dev/null 2>&1 &");
            var exit = await child.Exited.WaitAsync(TimeSpan.FromSeconds(5), ct);
            Assert.That(exit.ExitCode, Is.EqualTo(0));
            Assert.That(await ReadToEndAsync(child.Output, ct).WaitAsync(TimeSpan.FromSeconds(5), ct), Is.Empty);
            Assert.That(await ReadToEndAsync(child.Error!, ct).WaitAsync(TimeSpan.FromSeconds(5), ct), Is.Empty);
            Assert.That(await FindSleepAsync(), Has.Count.EqualTo(1), "the background sleep is running");
        }
        finally
        {
            foreach (int pid in await FindSleepAsync())
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }

        // nohup may not have exec'd sleep yet.
        async Task<List<int>> FindSleepAsync()
        {
            for (int i = 0; ; i++)
            {
                var found = FindByCommandLine("sleep", seconds);
                if (found.Count > 0 || i == 200)
                {
                    return found;
                }
                await Task.Delay(10, CancellationToken.None);
            }
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task Child_HasOnlyStdioOpen(CancellationToken ct)
    {
        await using var child = ChildProcess.Start(new ChildProcessOptions { FileName = "/bin/ls", Arguments = ["-l", "/proc/self/fd"], Environment = Env });
        string listing = await ReadToEndAsync(child.Output, ct);
        AssertOnlyStdio(listing);
    }

    internal static void AssertOnlyStdio(string lsOutput)
    {
        var fds = new Dictionary<int, string>();
        foreach (string line in lsOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int arrow = line.IndexOf(" -> ", StringComparison.Ordinal);
            if (arrow < 0)
            {
                continue; // "total 0"
            }
            string[] left = line[..arrow].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            fds[int.Parse(left[^1])] = line[(arrow + 4)..];
        }
        Assert.That(fds.Keys, Is.SupersetOf(new[] { 0, 1, 2 }), lsOutput);
        // ls itself has the directory it lists open.
        var others = fds.Where(f => f.Key > 2 && !f.Value.StartsWith("/proc/", StringComparison.Ordinal)).ToList();
        Assert.That(others, Is.Empty, lsOutput);
        Assert.That(fds.Count, Is.LessThanOrEqualTo(4), lsOutput);
    }

    [Test, CancelAfter(10_000)]
    public async Task Child_StartsWithDefaultSignalsAndEmptyMask_InItsOwnSession(CancellationToken ct)
    {
        await using var child = ChildProcess.Start(new ChildProcessOptions { FileName = "/bin/cat", Arguments = ["/proc/self/status"], Environment = Env });
        string status = await ReadToEndAsync(child.Output, ct);
        Assert.That(status, Does.Contain("SigBlk:\t0000000000000000\n"), status);
        Assert.That(status, Does.Contain("SigIgn:\t0000000000000000\n"), status);

        await using var sh = Sh("sleep 5");
        string[] stat = StatFields(sh.ProcessId)!;
        Assert.That(stat[2], Is.EqualTo(sh.ProcessId.ToString()), "process group");
        Assert.That(stat[3], Is.EqualTo(sh.ProcessId.ToString()), "session");
        Assert.That(stat[4], Is.EqualTo("0"), "no controlling terminal");
    }

    [Test, CancelAfter(10_000)]
    public async Task DisposeAsync_HangsUpARunningChild_AndReapsIt(CancellationToken ct)
    {
        var child = Sh("sleep 30");
        await child.DisposeAsync().AsTask().WaitAsync(ct);
        Assert.That(child.Exited.IsCompletedSuccessfully, Is.True);
        Assert.That(child.Exited.Result.SignalName, Is.EqualTo("HUP"));
        Assert.That(IsOurZombie(child.ProcessId), Is.False);
    }

    [Test, CancelAfter(10_000)]
    public async Task DisposeAsync_KillsAChildThatIgnoresHangUp(CancellationToken ct)
    {
        var child = ChildProcess.Start(new ChildProcessOptions
        {
            FileName = "/bin/sh",
            Arguments = ["-c", "trap '' HUP; echo ready; sleep 30"],
            Environment = Env,
            KillGracePeriod = TimeSpan.FromMilliseconds(200),
        });
        await ReadUntilAsync(child.Output, "ready", ct);
        await child.DisposeAsync().AsTask().WaitAsync(ct);
        Assert.That(child.Exited.Result.SignalName, Is.EqualTo("KILL"));
    }

    [Test, CancelAfter(60_000)]
    public async Task TwoHundredChildren_AllExitAndAreReaped(CancellationToken ct)
    {
        // System.Diagnostics.Process children alongside: the runtime's SIGCHLD handling must reap only its own.
        var dotnetChildren = Enumerable.Range(0, 10).Select(_ => System.Diagnostics.Process.Start("/bin/sh", ["-c", "exit 5"])).ToList();
        var children = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => Sh($"echo {i}; exit {i % 50}"), ct)));
        try
        {
            foreach (var process in dotnetChildren)
            {
                await process.WaitForExitAsync(ct);
                Assert.That(process.ExitCode, Is.EqualTo(5));
                process.Dispose();
            }
            var outputs = await Task.WhenAll(children.Select(c => ReadToEndAsync(c.Output, ct)));
            var exits = await Task.WhenAll(children.Select(c => c.Exited)).WaitAsync(ct);
            for (int i = 0; i < children.Length; i++)
            {
                Assert.That(outputs[i], Is.EqualTo($"{i}\n"));
                Assert.That(exits[i].ExitCode, Is.EqualTo(i % 50));
            }
            Assert.That(children.Where(c => IsOurZombie(c.ProcessId)).Select(c => c.ProcessId), Is.Empty, "zombies");
        }
        finally
        {
            await Task.WhenAll(children.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task Dispose_LeavesNoFdsOpenInThisProcess(CancellationToken ct)
    {
        // An fd listed and then closed before its link is read (another test's socket finishing its close) is gone,
        // not leaked: only fds whose target can still be read count.
        static Dictionary<string, string> OpenFds() =>
            Directory.GetFiles("/proc/self/fd").Select(f => (Fd: Path.GetFileName(f), Target: new FileInfo(f).LinkTarget))
                .Where(f => f.Target is not null).ToDictionary(f => f.Fd, f => f.Target!);
        Dictionary<string, string> before = [];
        var keepAlive = new List<ChildProcess>(); // so that no finalizer closes what Dispose should have
        for (int i = 0; i < 11; i++)
        {
            if (i == 1)
            {
                before = OpenFds(); // after a first round has loaded what it needs (assemblies are mapped from fds)
            }
            await using (var plain = Sh("echo x"))
            {
                keepAlive.Add(plain);
                await ReadToEndAsync(plain.Output, ct);
            }
            await using (var pty = Sh("echo x", Pty()))
            {
                keepAlive.Add(pty);
                await ReadToEndAsync(pty.Output, ct);
            }
            await using (var running = Sh("sleep 30", Pty()))
            {
                keepAlive.Add(running);
            }
        }
        // The pty threads let go of the master just after disposal.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (OpenFds().Count > before.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, ct);
        }
        var added = OpenFds().Where(f => !before.ContainsKey(f.Key) && !f.Value.EndsWith(".dll", StringComparison.Ordinal)).Select(f => $"{f.Key} -> {f.Value}");
        Assert.That(added, Is.Empty);
        GC.KeepAlive(keepAlive);
    }
}
