using System.Diagnostics;
using System.Globalization;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>CPU time of other processes, from /proc: what this process's waited-for children used (a whole
/// <c>ssh</c> or <c>sshcs exec</c> run), and what sshd's busiest per-connection process used during a transfer.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ProcessCpu
{
    private static readonly double TicksPerSecond = 100; // CLK_TCK on Linux

    /// <summary>User + system seconds of every child this process has waited for (cutime + cstime of
    /// /proc/self/stat): a shell command's whole CPU is the difference around it.</summary>
    public static double ChildrenSeconds()
    {
        string[] f = StatFields("/proc/self/stat")!;
        return (long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>User + system seconds a process has used itself (utime + stime); null once it is gone.</summary>
    public static double? OwnSeconds(int pid)
    {
        string[]? f = StatFields($"/proc/{pid}/stat");
        return f is null ? null : (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>The fields after "(comm)", so field 3 of proc(5) (state) is index 0.</summary>
    private static string[]? StatFields(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    public static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static IEnumerable<int> Children(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string task in tasks)
        {
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (string child in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                yield return int.Parse(child, CultureInfo.InvariantCulture);
        }
    }
}

/// <summary>
/// Watches the sshd processes under one listener during a transfer (every 20 ms, walking /proc's children lists, a
/// handful of reads) and reports the CPU seconds of the busiest one: the session process that seals and opens the
/// packets. The last 20 ms of its life can be missed, a few per cent of a one-second transfer at most.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SshdSessionWatcher : IAsyncDisposable
{
    private readonly int _listener;
    private readonly Dictionary<int, double> _seen = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SshdSessionWatcher(int listenerPid)
    {
        _listener = listenerPid;
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample(_listener, 0);
            try
            {
                await Task.Delay(20, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Sample(int pid, int depth)
    {
        if (depth > 4) return;
        foreach (int child in ProcessCpu.Children(pid))
        {
            if (ProcessCpu.Comm(child) == "sshd" && ProcessCpu.OwnSeconds(child) is { } seconds)
            {
                lock (_seen) _seen[child] = seconds;
            }
            Sample(child, depth + 1);
        }
    }

    /// <summary>Stops watching; the CPU seconds of the busiest sshd process seen.</summary>
    public async Task<double> StopAsync()
    {
        Sample(_listener, 0);
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        lock (_seen) return _seen.Count == 0 ? 0 : _seen.Values.Max();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>A shell command timed as a whole process: wall seconds and the CPU seconds of it and its children.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class WholeProcess
{
    public static (double Wall, double Cpu) Time(string command)
    {
        double cpuBefore = ProcessCpu.ChildrenSeconds();
        var stopwatch = Stopwatch.StartNew();
        using (var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]))!)
        {
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"'{command}' failed ({p.ExitCode}).");
        }
        double wall = stopwatch.Elapsed.TotalSeconds;
        return (wall, ProcessCpu.ChildrenSeconds() - cpuBefore);
    }
}
