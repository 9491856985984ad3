using System.Diagnostics;
using System.Globalization;
using Ssh.Client;
using Ssh.Transport;
using static Ssh.Benchmarks.EndToEnd.Measure;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// Downloads (<c>head -c N /dev/zero</c>) and uploads (<c>cat &gt; /dev/null</c>) N bytes through our client and
/// through OpenSSH's <c>ssh</c>, against the same local sshd, per cipher, in one run; prints MB/s and the ratio.
/// Run: <c>dotnet run -c Release --project benchmarks -- throughput [--size 1G] [--runs 3] [--ciphers a,b]</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ThroughputRun
{
    private static readonly string[] AllCiphers =
        ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"];

    public static async Task<int> RunAsync(string[] args)
    {
        long size = 1L << 30;
        int runs = 3;
        string[] ciphers = AllCiphers;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--size": size = ParseSize(args[++i]); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ciphers": ciphers = args[++i].Split(','); break;
            }
        }

        using LocalSshd sshd = LocalSshd.Start();
        Console.WriteLine($"Throughput, {size / 1_000_000} MB per transfer, median of {runs} runs, MB = 10^6 bytes, against local sshd (OpenSSH) on 127.0.0.1:{sshd.Port}");
        // One untimed transfer first, so tiered JIT has optimised the hot path before the first measured cipher
        // (OpenSSH is native code and needs no warm-up).
        await MeasureOursAsync(sshd, ciphers[0], download: true, Math.Min(size, 256L << 20));
        await MeasureOursAsync(sshd, ciphers[0], download: false, Math.Min(size, 256L << 20));
        Console.WriteLine($"{"cipher",-32} {"direction",-9} {"sshcs MB/s",11} {"ssh MB/s",9} {"ratio",6} {"sshcs CPU s/GB",15}");
        foreach (string cipher in ciphers)
        {
            foreach (bool download in new[] { true, false })
            {
                var ours = new List<double>();
                var theirs = new List<double>();
                var cpu = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    // Our whole process's CPU time (read loop, consumer, crypto, runtime) per 10^9 bytes moved.
                    TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                    long itemsBefore = ThreadPool.CompletedWorkItemCount;
                    ours.Add(await MeasureOursAsync(sshd, cipher, download, size));
                    if (Environment.GetEnvironmentVariable("SSHCS_BENCH_VERBOSE") == "1")
                        Console.WriteLine($"  thread-pool work items per 32 KiB moved: {(ThreadPool.CompletedWorkItemCount - itemsBefore) / (size / 32768.0):0.00}");
                    cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / (size / 1e9));
                    theirs.Add(MeasureOpenSsh(sshd, cipher, download, size));
                }
                double o = Median(ours), t = Median(theirs);
                Console.WriteLine($"{cipher,-32} {(download ? "download" : "upload"),-9} {o,11:0} {t,9:0} {o / t,6:0.00} {Median(cpu),15:0.00}");
            }
        }
        return 0;
    }

    private static async Task<double> MeasureOursAsync(LocalSshd sshd, string cipher, bool download, long size)
    {
        await using var client = new SshClient { Settings = new TransportSettings { Ciphers = [cipher] } };
        client.LoadHostKeys(sshd.KnownHosts);
        await client.ConnectAsync("127.0.0.1", sshd.Port, LocalSshd.User, keyFilename: [sshd.ClientKey], lookForKeys: false);
        var channel = await client.GetTransport()!.OpenSessionAsync();
        var stopwatch = Stopwatch.StartNew();
        long moved = await InProcessTransfer.MoveAsync(channel, size, download);
        int status = await channel.RecvExitStatusAsync();
        stopwatch.Stop();
        if (status != 0 || moved != size) throw new InvalidOperationException($"Transfer failed: status {status}, {moved} of {size} bytes.");
        return size / stopwatch.Elapsed.TotalSeconds / 1e6;
    }

    private static double MeasureOpenSsh(LocalSshd sshd, string cipher, bool download, long size)
    {
        string ssh = $"ssh -q -c {cipher} -o BatchMode=yes -o UserKnownHostsFile={sshd.KnownHosts} -o StrictHostKeyChecking=yes " +
                     $"-o IdentitiesOnly=yes -i {sshd.ClientKey} -p {sshd.Port} {LocalSshd.User}@127.0.0.1";
        // Time only the transfer, not ssh's start-up: the remote side reports nothing, so measure the whole
        // command and subtract a no-op run of the same command line (connection + authentication).
        double setup = TimeShell($"{ssh} true");
        string command = download
            ? $"{ssh} 'head -c {size} /dev/zero' > /dev/null"
            : $"head -c {size} /dev/zero | {ssh} 'cat > /dev/null'";
        double total = TimeShell(command);
        return size / Math.Max(total - setup, 0.001) / 1e6;
    }
}
