using System.Diagnostics;
using System.Globalization;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>What the end-to-end runs share: timing a shell command, medians, sizes like "1G".</summary>
internal static class Measure
{
    public static double TimeShell(string command)
    {
        var stopwatch = Stopwatch.StartNew();
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]))!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"'{command}' failed ({p.ExitCode}).");
        return stopwatch.Elapsed.TotalSeconds;
    }

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
