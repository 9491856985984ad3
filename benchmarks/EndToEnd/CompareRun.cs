using System.Diagnostics;
using System.Globalization;
using static Ssh.Benchmarks.EndToEnd.Measure;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// Issue 13's targets 1, 2, 4 and 5 in one run, side by side, as one table of ratios:
/// <list type="number">
/// <item>bulk, our client against sshd: <c>sshcs exec</c> (the published binary) and our in-process client beside
/// OpenSSH's <c>ssh</c>, download and upload per cipher, with CPU seconds per GB and sshd's session process busy share;</item>
/// <item>bulk, our server: <c>ssh</c> to <c>sshcs server</c> beside <c>ssh</c> to sshd, and <c>sshcs exec</c> to
/// <c>sshcs server</c> beside <c>ssh</c> to sshd;</item>
/// <item>start-up (4): <c>sshcs exec HOST true</c> beside <c>ssh HOST true</c>, whole processes, curve25519 on both;</item>
/// <item>connection latency (5): connect, key exchange, auth, exec <c>true</c>, close, in-process, our client and SSH.NET
/// against sshd and against <c>sshcs server</c>.</item>
/// </list>
/// Every pair is measured interleaved (one of each in turn), and the table gives medians.
/// Run: <c>dotnet run -c Release --project benchmarks -- compare [--size 1G] [--runs 3] [--ciphers a,b]
/// [--startup-runs 10] [--latency-count 100] [--only 1,2,4,5]</c>. <c>SSHCS_EXE</c> names the sshcs binary to time;
/// by default scripts/publish-cli.sh publishes it (Native AOT) first.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class CompareRun
{
    private const string Kex = "curve25519-sha256";

    private static readonly string[] DefaultCiphers = ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"];

    /// <summary>One line of the table. <paramref name="Ratio"/> is ours ÷ reference; <paramref name="Goal"/> says which
    /// way it must go.</summary>
    private sealed record Row(string Target, string What, string Ours, string Reference, double Ratio, string Goal, bool Met, string Note);

    public static async Task<int> RunAsync(string[] args)
    {
        long size = 1L << 30;
        int runs = 3, startupRuns = 10, latencyCount = 100;
        string[] ciphers = DefaultCiphers;
        var only = new HashSet<string>(["1", "2", "4", "5"]);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--size": size = ParseSize(args[++i]); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--ciphers": ciphers = args[++i].Split(','); break;
                case "--startup-runs": startupRuns = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--latency-count": latencyCount = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = new HashSet<string>(args[++i].Split(',')); break;
            }
        }

        string exe = SshcsExecutable();
        using LocalSshd sshd = LocalSshd.Start();
        // The server is the same published binary as the client, as a CI pipeline would run it.
        using SshcsServerProcess server = await SshcsServerProcess.StartAsync(sshd, exe);
        var peers = new Peers(sshd, server, exe);
        Console.WriteLine($"compare: {size / 1_000_000} MB per transfer, median of {runs} interleaved runs; start-up median of {startupRuns}; " +
                          $"latency median of {latencyCount}; MB = 10^6 bytes; {Environment.ProcessorCount} cores shared by every process; load average {LoadAverage()}");
        Console.WriteLine($"sshcs binary: {exe}; sshd {sshd.Port}, sshcs server {server.Port} (pid {server.ProcessId}), both on 127.0.0.1");

        var rows = new List<Row>();
        if (only.Contains("1") || only.Contains("2"))
            rows.AddRange(await BulkAsync(peers, ciphers, size, runs, only.Contains("1"), only.Contains("2")));
        if (only.Contains("4")) rows.AddRange(StartUp(peers, startupRuns));
        if (only.Contains("5")) rows.AddRange(await LatencyAsync(peers, latencyCount));
        Print(rows);
        return 0;
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>What the runs talk to: sshd, sshcs server, and the sshcs binary.</summary>
    internal sealed record Peers(LocalSshd Sshd, SshcsServerProcess Server, string Exe)
    {
        public string Key => Sshd.ClientKey;

        public string Ssh(int port, string knownHosts, string? cipher) =>
            $"ssh -q {(cipher is null ? "" : $"-c {cipher} ")}-o KexAlgorithms={Kex} -o BatchMode=yes -o UserKnownHostsFile={knownHosts} " +
            $"-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -i {Key} -p {port} {LocalSshd.User}@127.0.0.1";

        public string Sshcs(int port, string knownHosts, string? cipher) =>
            $"{Exe} exec {(cipher is null ? "" : $"-o Ciphers={cipher} ")}-o KexAlgorithms={Kex} --known-hosts {knownHosts} " +
            $"-i {Key} -p {port} {LocalSshd.User}@127.0.0.1";
    }

    // ---- Targets 1 and 2: bulk ----

    private sealed class Series
    {
        public List<double> MBps { get; } = [];
        public List<double> CpuPerGB { get; } = [];
        public List<double> SshdBusy { get; } = [];

        public void Add(double mbps, double cpuPerGB, double busy)
        {
            MBps.Add(mbps);
            CpuPerGB.Add(cpuPerGB);
            SshdBusy.Add(busy);
        }
    }

    private static async Task<List<Row>> BulkAsync(Peers peers, string[] ciphers, long size, int runs, bool ourClient, bool ourServer)
    {
        // Untimed warm-up of the server process (a transfer each way through it); the in-process client warms up in
        // its own process (InProcessChild).
        long warm = Math.Min(size, 128L << 20);
        if (ourServer)
        {
            Whole(peers.Ssh(peers.Server.Port, peers.Server.KnownHosts, ciphers[0]), download: true, warm);
            Whole(peers.Ssh(peers.Server.Port, peers.Server.KnownHosts, ciphers[0]), download: false, warm);
        }

        var rows = new List<Row>();
        foreach (string cipher in ciphers)
        {
            foreach (bool download in new[] { true, false })
            {
                var ssh = new Series();
                var exec = new Series();
                var inProcess = new Series();
                var inProcessTuned = new Series();
                var sshToSshcs = new Series();
                var sshcsToSshcs = new Series();
                for (int r = 0; r < runs; r++)
                {
                    ssh.Add(await WholeWatchedAsync(peers, peers.Ssh(peers.Sshd.Port, peers.Sshd.KnownHosts, cipher), download, size));
                    if (ourClient)
                    {
                        exec.Add(await WholeWatchedAsync(peers, peers.Sshcs(peers.Sshd.Port, peers.Sshd.KnownHosts, cipher), download, size));
                        inProcess.Add(InProcessChild.Measure(peers, cipher, download, size, environment: null));
                        inProcessTuned.Add(InProcessChild.Measure(peers, cipher, download, size, InProcessChild.TunedHost));
                    }
                    if (ourServer)
                    {
                        sshToSshcs.Add(Whole(peers.Ssh(peers.Server.Port, peers.Server.KnownHosts, cipher), download, size));
                        sshcsToSshcs.Add(Whole(peers.Sshcs(peers.Server.Port, peers.Server.KnownHosts, cipher), download, size));
                    }
                }
                string what = $"{(download ? "download" : "upload")} {Short(cipher)}";
                double reference = Median(ssh.MBps);
                string refText = $"{reference:0} MB/s, {Median(ssh.CpuPerGB):0.00} s/GB, sshd {Median(ssh.SshdBusy):P0}";
                if (ourClient)
                {
                    rows.Add(BulkRow("1", $"{what}: sshcs exec vs ssh, to sshd", exec, reference, refText, 1.2, withSshd: true));
                    rows.Add(BulkRow("1", $"{what}: in-process client vs ssh, to sshd", inProcess, reference, refText, 1.2, withSshd: true));
                    rows.Add(BulkRow("1", $"{what}: in-process, host tuned as README, vs ssh", inProcessTuned, reference, refText, 1.2, withSshd: true));
                }
                if (ourServer)
                {
                    string plain = $"{reference:0} MB/s";
                    rows.Add(BulkRow("2", $"{what}: ssh to sshcs server vs ssh to sshd", sshToSshcs, reference, plain, 1.0, withSshd: false));
                    rows.Add(BulkRow("2", $"{what}: sshcs exec to sshcs server vs ssh to sshd", sshcsToSshcs, reference, plain, 1.5, withSshd: false));
                }
                Console.WriteLine($"  {what}: ssh {reference:0}, sshcs exec {Median(exec.MBps):0}, in-process {Median(inProcess.MBps):0} (tuned {Median(inProcessTuned.MBps):0}), " +
                                  $"ssh->sshcs {Median(sshToSshcs.MBps):0}, sshcs->sshcs {Median(sshcsToSshcs.MBps):0} MB/s");
            }
        }
        return rows;
    }

    private static string Short(string cipher) => cipher.Replace("@openssh.com", "", StringComparison.Ordinal);

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : Measure.Median(values);

    private static Row BulkRow(string target, string what, Series ours, double reference, string referenceText, double goal, bool withSshd)
    {
        double mbps = Median(ours.MBps);
        double ratio = mbps / reference;
        // Target 1 also counts as met where sshd's session process is (nearly) saturated: sshd is then the limit.
        bool saturated = withSshd && Median(ours.SshdBusy) >= 0.95;
        string oursText = $"{mbps:0} MB/s, {Median(ours.CpuPerGB):0.00} s/GB" + (withSshd ? $", sshd {Median(ours.SshdBusy):P0}" : "");
        return new Row(target, what, oursText, referenceText, ratio, $">= {goal:0.0#}", ratio >= goal || saturated,
            saturated && ratio < goal ? "sshd >= 95% busy" : "");
    }

    /// <summary>A whole-process transfer with sshd's session process watched.</summary>
    private static async Task<(double, double, double)> WholeWatchedAsync(Peers peers, string command, bool download, long size)
    {
        var setup = WholeProcess.Time($"{command} true");
        await using var watcher = new SshdSessionWatcher(peers.Sshd.ProcessId);
        var (wall, cpu) = WholeProcess.Time(TransferCommand(command, download, size));
        double sshdCpu = await watcher.StopAsync();
        double seconds = Math.Max(wall - setup.Wall, 0.001);
        return (size / seconds / 1e6, Math.Max(cpu - setup.Cpu, 0) / (size / 1e9), sshdCpu / seconds);
    }

    /// <summary>A whole-process transfer; its connection set-up (the same command running <c>true</c>) is subtracted
    /// from both the wall time and the CPU.</summary>
    private static (double, double, double) Whole(string command, bool download, long size)
    {
        var setup = WholeProcess.Time($"{command} true");
        var (wall, cpu) = WholeProcess.Time(TransferCommand(command, download, size));
        double seconds = Math.Max(wall - setup.Wall, 0.001);
        return (size / seconds / 1e6, Math.Max(cpu - setup.Cpu, 0) / (size / 1e9), double.NaN);
    }

    private static string TransferCommand(string command, bool download, long size) => download
        ? $"{command} 'head -c {size} /dev/zero' > /dev/null"
        : $"head -c {size} /dev/zero | {command} 'cat > /dev/null'";

    private static void Add(this Series series, (double MBps, double Cpu, double Busy) sample) => series.Add(sample.MBps, sample.Cpu, sample.Busy);

    // ---- Target 4: start-up ----

    private static List<Row> StartUp(Peers peers, int count)
    {
        var ours = new List<double>();
        var oursCpu = new List<double>();
        var theirs = new List<double>();
        var theirsCpu = new List<double>();
        string sshcs = peers.Sshcs(peers.Sshd.Port, peers.Sshd.KnownHosts, null) + " true";
        string ssh = peers.Ssh(peers.Sshd.Port, peers.Sshd.KnownHosts, null) + " true";
        WholeProcess.Time(sshcs); // page cache
        WholeProcess.Time(ssh);
        for (int i = 0; i < count; i++)
        {
            var o = WholeProcess.Time(sshcs);
            ours.Add(o.Wall);
            oursCpu.Add(o.Cpu);
            var t = WholeProcess.Time(ssh);
            theirs.Add(t.Wall);
            theirsCpu.Add(t.Cpu);
        }
        double ratio = Median(ours) / Median(theirs);
        return
        [
            new Row("4", "start-up: sshcs exec HOST true vs ssh HOST true (wall, CPU of the client)",
                $"{Median(ours) * 1000:0} ms, CPU {Median(oursCpu) * 1000:0} ms", $"{Median(theirs) * 1000:0} ms, CPU {Median(theirsCpu) * 1000:0} ms",
                ratio, "<= 1.0", ratio <= 1.0, ""),
        ];
    }

    // ---- Target 5: connection latency ----

    private static async Task<List<Row>> LatencyAsync(Peers peers, int count)
    {
        var targets = new (string Name, int Port, string KnownHosts)[]
        {
            ("sshd", peers.Sshd.Port, peers.Sshd.KnownHosts),
            ("sshcs server", peers.Server.Port, peers.Server.KnownHosts),
        };
        var ours = targets.Select(_ => new List<double>()).ToArray();
        var sshNet = targets.Select(_ => new List<double>()).ToArray();
        byte[] hostKey = Convert.FromBase64String(File.ReadAllText(Path.Combine(peers.Sshd.Directory, "host_ed25519.pub")).Split(' ')[1]);
        for (int i = -5; i < count; i++) // five warm-ups of each
        {
            for (int t = 0; t < targets.Length; t++)
            {
                // Alternate which goes first, so whatever one leaves behind (the server reaping a process, a GC of
                // the other's garbage) falls on both alike.
                double a, b;
                if (i % 2 == 0)
                {
                    a = await Latency.OursAsync(targets[t].Port, targets[t].KnownHosts, peers.Key, Kex);
                    b = await Latency.SshNetAsync(targets[t].Port, peers.Key, hostKey, Kex);
                }
                else
                {
                    b = await Latency.SshNetAsync(targets[t].Port, peers.Key, hostKey, Kex);
                    a = await Latency.OursAsync(targets[t].Port, targets[t].KnownHosts, peers.Key, Kex);
                }
                if (i < 0) continue;
                ours[t].Add(a);
                sshNet[t].Add(b);
            }
        }
        var rows = new List<Row>();
        for (int t = 0; t < targets.Length; t++)
        {
            double o = Median(ours[t]) * 1000, s = Median(sshNet[t]) * 1000;
            rows.Add(new Row("5", $"latency (connect+kex+auth+exec true+close), to {targets[t].Name}: ours vs SSH.NET",
                $"{o:0.00} ms", $"{s:0.00} ms", o / s, "<= 0.8", o / s <= 0.8, ""));
        }
        double mine = Median(ours[1]) * 1000;
        rows.Add(new Row("5", "latency, our client to sshcs server (absolute)", $"{mine:0.00} ms", "3 ms", mine / 3, "<= 1.0", mine <= 3, ""));
        return rows;
    }

    // ---- The sshcs binary ----

    /// <summary><c>SSHCS_EXE</c>, or the Native AOT binary that scripts/publish-cli.sh publishes (run now, so it is
    /// the code of this tree).</summary>
    private static string SshcsExecutable()
    {
        if (SshcsServerProcess.ExecutableFromEnvironment() is { } exe) return exe;
        string root = RepoRoot();
        string script = Path.Combine(root, "scripts", "publish-cli.sh");
        Console.WriteLine($"publishing sshcs ({script}) ...");
        using var p = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true })!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.WriteLine(output);
            throw new InvalidOperationException("scripts/publish-cli.sh failed.");
        }
        return Path.Combine(root, "artifacts", "sshcs", "sshcs");
    }

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ssh.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Ssh.sln not found above " + AppContext.BaseDirectory);
    }

    // ---- The table ----

    private static void Print(List<Row> rows)
    {
        int w = Math.Max(20, rows.Count == 0 ? 0 : rows.Max(r => r.What.Length));
        int wo = Math.Max(4, rows.Count == 0 ? 0 : rows.Max(r => r.Ours.Length));
        int wr = Math.Max(9, rows.Count == 0 ? 0 : rows.Max(r => r.Reference.Length));
        Console.WriteLine();
        string header = $"{"#",-2} {"what".PadRight(w)} {"ours".PadRight(wo)} {"reference".PadRight(wr)} {"ratio",6} {"goal",7} {"met",4}";
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length));
        foreach (Row r in rows)
        {
            Console.WriteLine($"{r.Target,-2} {r.What.PadRight(w)} {r.Ours.PadRight(wo)} {r.Reference.PadRight(wr)} {r.Ratio,6:0.00} {r.Goal,7} {(r.Met ? "yes" : "NO"),4}" +
                              (r.Note.Length > 0 ? $"  ({r.Note})" : ""));
        }
        Console.WriteLine("ratio = ours / reference: throughput (higher is better), time (lower is better). CPU s/GB is the client's whole " +
                          "process less its connection set-up; sshd = its busiest session process's CPU over the transfer's wall time.");
    }
}
