using System.Diagnostics;
using System.Globalization;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>What the end-to-end runs share: timing a shell command, medians, sizes like "1G".</summary>
internal static class Measure
{
    /// <summary>Wall-clock seconds of a shell command (failing unless it exits 0).</summary>
    public static double TimeShell(string command) => TimeShellWithCpu(command).Seconds;

    /// <summary>Wall-clock seconds of a shell command, and the CPU seconds (user and system) its processes used: the
    /// shell's <c>times</c> after it, whose second line is the children's.</summary>
    public static (double Seconds, double CpuSeconds) TimeShellWithCpu(string command)
    {
        var stopwatch = Stopwatch.StartNew();
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command + "; status=$?; times; exit $status"]) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double seconds = stopwatch.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"'{command}' failed ({p.ExitCode}).");
        string children = output.TrimEnd().Split('\n')[^1];
        double cpu = 0;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(children, @"(\d+)m([\d.]+)s"))
            cpu += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return (seconds, cpu);
    }

    /// <summary>Writes every dirty page back (sync(1)), untimed, so a timed transfer does not share the disk and the
    /// CPU with the write-back of the file the transfer before it left in the page cache.</summary>
    public static void FlushPageCache() => TimeShell("sync");

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public static long ParseSize(string text)
    {
        char unit = char.ToUpperInvariant(text[^1]);
        long scale = unit switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        return long.Parse(scale == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * scale;
    }
}
