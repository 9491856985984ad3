using System.Diagnostics;
using System.Globalization;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// Our in-process client measured in a process of its own, so the host's runtime settings are the run's to choose:
/// the .NET defaults, or the two that README.md recommends to a program that moves bulk data (thread-pool workers
/// that do not spin before sleeping, and socket completions run on the socket engine's thread). Both are
/// process-wide, so a library cannot set them for its host. The child warms up (JIT) with 128 MiB first, then
/// times one transfer and prints MB/s, CPU s/GB, and sshd's session-process busy share over it.
/// Child: <c>benchmarks -- transfer-child PORT KNOWN_HOSTS KEY CIPHER down|up SIZE SSHD_PID</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class InProcessChild
{
    /// <summary>The host settings README.md recommends for bulk transfer, as environment variables.</summary>
    public static readonly IReadOnlyDictionary<string, string> TunedHost = new Dictionary<string, string>
    {
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
        ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1",
    };

    /// <summary>Runs one measured transfer in a child process with <paramref name="environment"/> added.</summary>
    public static (double MBps, double CpuPerGB, double SshdBusy) Measure(CompareRun.Peers peers, string cipher, bool download, long size,
        IReadOnlyDictionary<string, string>? environment)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(InProcessChild).Assembly.Location);
        foreach (string a in new[] { "transfer-child", peers.Sshd.Port.ToString(CultureInfo.InvariantCulture), peers.Sshd.KnownHosts, peers.Key,
                     cipher, download ? "down" : "up", size.ToString(CultureInfo.InvariantCulture), peers.Sshd.ProcessId.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var child = Process.Start(start)!;
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"transfer-child failed ({child.ExitCode}): {error.Result}");
        double[] v = output.Trim().Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (v[0], v[1], v[2]);
    }

    /// <summary>The child's side.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        int port = int.Parse(args[0], CultureInfo.InvariantCulture);
        string knownHosts = args[1], key = args[2], cipher = args[3];
        bool download = args[4] == "down";
        long size = long.Parse(args[5], CultureInfo.InvariantCulture);
        int sshd = int.Parse(args[6], CultureInfo.InvariantCulture);
        await InProcessTransfer.MeasureAsync(port, knownHosts, key, cipher, download, Math.Min(size, 128L << 20));
        await using var watcher = new SshdSessionWatcher(sshd);
        var (mbps, cpu, seconds) = await InProcessTransfer.MeasureAsync(port, knownHosts, key, cipher, download, size);
        double busy = await watcher.StopAsync() / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mbps} {cpu} {busy}"));
        return 0;
    }
}
