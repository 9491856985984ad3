using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Ssh.Client;
using Ssh.Sftp;
using Ssh.Transport;
using static Ssh.Benchmarks.EndToEnd.Measure;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// SFTP get and put of one file (1 GiB by default, SHA-256 checked after each transfer) with aes128-gcm, side by side
/// in one run: our client against Debian's sshd (OpenSSH's sftp-server), OpenSSH's <c>sftp</c> (its defaults)
/// against the same sshd, and OpenSSH's <c>sftp</c> against <c>sshcs server --sftp-root</c> (our server). Prints
/// MB/s (median of the runs) and the ratios the issue sets as targets. Every timed transfer starts with no dirty pages
/// (<see cref="Measure.FlushPageCache"/>): a client that leaves its download to the kernel's write-back must not slow
/// the transfer after it.
/// Run: <c>dotnet run -c Release --project benchmarks -- sftp [--size 1G] [--runs 3]</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class SftpRun
{
    private const string Cipher = "aes128-gcm@openssh.com";

    public static async Task<int> RunAsync(string[] args)
    {
        long size = 1L << 30;
        int runs = 3;
        bool oursOnly = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--size") size = ParseSize(args[++i]);
            else if (args[i] == "--runs") runs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--ours-only") oursOnly = true;
        }

        using LocalSshd sshd = LocalSshd.Start();
        string data = Path.Combine(sshd.Directory, "data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0x1FF); // the sshd user writes uploads here
        string source = Path.Combine(data, "source.bin");
        byte[] expected = CreateSource(source, size);
        File.SetUnixFileMode(source, (UnixFileMode)0x1A4);
        string local = Path.Combine(sshd.Directory, "local.bin");

        Process server = await StartSshcsServerAsync(sshd, data);
        int sshcsPort = await IdleConnectionsRun.ReadPortAsync(server);
        var sshdTarget = new Target(sshd.Port, sshd.KnownHosts, data + "/");
        var sshcsTarget = new Target(sshcsPort, KnownHostsFor(sshd, sshcsPort), "/");
        try
        {
            Console.WriteLine($"SFTP, {size / 1_000_000} MB per transfer, {Cipher}, median of {runs} runs, MB = 10^6 bytes, client and servers on 127.0.0.1 sharing {Environment.ProcessorCount} cores");
            // Untimed warm-ups: our client's JIT (two rounds: the first leaves methods still to tier up), and the
            // server process's (a get and a put through it).
            for (int w = 0; w < 2; w++)
            {
                await OursAsync(sshd, sshdTarget, data, local, download: true, size, expected);
                await OursAsync(sshd, sshdTarget, data, local, download: false, size, expected);
            }
            if (!oursOnly) OpenSshSftp(sshd, sshcsTarget, $"get /source.bin {local}", local, expected);
            if (!oursOnly) OpenSshSftp(sshd, sshcsTarget, $"put {local} /upload.bin", Path.Combine(data, "upload.bin"), expected);
            var results = new Dictionary<string, List<Sample>>();
            void Add(string key, Sample value) => (results.TryGetValue(key, out var list) ? list : results[key] = []).Add(value);
            for (int r = 0; r < runs; r++)
            {
                Add("ours-get", await OursAsync(sshd, sshdTarget, data, local, download: true, size, expected));
                Add("ours-put", await OursAsync(sshd, sshdTarget, data, local, download: false, size, expected));
                if (oursOnly)
                {
                    Console.WriteLine($"  ours: get {results["ours-get"][^1]}, put {results["ours-put"][^1]}");
                    continue;
                }
                Add("sftp-get", OpenSshSftp(sshd, sshdTarget, $"get {data}/source.bin {local}", local, expected));
                Add("sftp-put", OpenSshSftp(sshd, sshdTarget, $"put {local} {data}/upload.bin", Path.Combine(data, "upload.bin"), expected));
                Add("tool-get", SshcsTool(sshd, $"get {LocalSshd.User}@127.0.0.1:{data}/source.bin {local}", data, local, expected));
                Add("tool-put", SshcsTool(sshd, $"put {LocalSshd.User}@127.0.0.1:{data}/upload.bin {local}", data, Path.Combine(data, "upload.bin"), expected));
                Add("ours-sshcs-get", await OursAsync(sshd, sshcsTarget, data, local, download: true, size, expected));
                Add("ours-sshcs-put", await OursAsync(sshd, sshcsTarget, data, local, download: false, size, expected));
                Add("sshcs-get", OpenSshSftp(sshd, sshcsTarget, $"get /source.bin {local}", local, expected));
                Add("sshcs-put", OpenSshSftp(sshd, sshcsTarget, $"put {local} /upload.bin", Path.Combine(data, "upload.bin"), expected));
            }
            if (oursOnly) return 0;
            double M(string key) => Median(results[key].ConvertAll(x => x.MegabytesPerSecond));
            double C(string key) => Median(results[key].ConvertAll(x => x.CpuSecondsPerGigabyte));
            void Row(string name, string key) =>
                Console.WriteLine($"{name,-38} {M(key + "-get"),9:0} {M(key + "-put"),9:0} {C(key + "-get"),13:0.00} {C(key + "-put"),13:0.00}");
            Console.WriteLine($"{"client -> server",-38} {"get MB/s",9} {"put MB/s",9} {"get CPU s/GB",13} {"put CPU s/GB",13}");
            Row("sshcs SftpClient -> sshd sftp-server", "ours");
            Row("sshcs sftp (the tool) -> sshd", "tool");
            Row("OpenSSH sftp -> sshd sftp-server", "sftp");
            Row("sshcs SftpClient -> sshcs server", "ours-sshcs");
            Row("OpenSSH sftp -> sshcs server", "sshcs");
            Console.WriteLine("(client CPU: our process; the tool's process; OpenSSH's sftp and the ssh it runs)");
            Console.WriteLine($"ratio ours / OpenSSH sftp, against sshd (target >= 1.2): get {M("ours-get") / M("sftp-get"):0.00}, put {M("ours-put") / M("sftp-put"):0.00}");
            Console.WriteLine($"ratio sshcs sftp tool / OpenSSH sftp, against sshd: get {M("tool-get") / M("sftp-get"):0.00}, put {M("tool-put") / M("sftp-put"):0.00}");
            Console.WriteLine($"ratio ours / OpenSSH sftp, against sshcs server: get {M("ours-sshcs-get") / M("sshcs-get"):0.00}, put {M("ours-sshcs-put") / M("sshcs-put"):0.00}");
            Console.WriteLine($"ratio client CPU per GB, ours / OpenSSH sftp, against sshd: get {C("ours-get") / C("sftp-get"):0.00}, put {C("ours-put") / C("sftp-put"):0.00}");
            Console.WriteLine($"ratio sftp->sshcs / sftp->sshd (target >= 1.0): get {M("sshcs-get") / M("sftp-get"):0.00}, put {M("sshcs-put") / M("sftp-put"):0.00}");
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(10_000);
            server.Dispose();
        }
    }

    /// <summary>An SFTP server to measure against: its port, known-hosts file, and the directory holding source.bin
    /// as that server names it.</summary>
    private sealed record Target(int Port, string KnownHosts, string Directory);

    /// <summary>One transfer's rate and the CPU the client spent on it.</summary>
    private readonly record struct Sample(double MegabytesPerSecond, double CpuSecondsPerGigabyte)
    {
        public override string ToString() => FormattableString.Invariant($"{MegabytesPerSecond:0} MB/s at {CpuSecondsPerGigabyte:0.00} CPU s/GB");
    }

    private static byte[] CreateSource(string path, long size)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] block = new byte[1 << 20];
        var random = new Random(1);
        for (long done = 0; done < size; done += block.Length)
        {
            random.NextBytes(block);
            int n = (int)Math.Min(block.Length, size - done);
            file.Write(block, 0, n);
            hash.AppendData(block, 0, n);
        }
        return hash.GetHashAndReset();
    }

    private static void Verify(string path, byte[] expected)
    {
        using var file = File.OpenRead(path);
        if (!SHA256.HashData(file).AsSpan().SequenceEqual(expected)) throw new InvalidOperationException($"{path}: SHA-256 differs from the source.");
    }

    private static async Task<Sample> OursAsync(LocalSshd sshd, Target target, string data, string local, bool download, long size, byte[]? expected)
    {
        await using var client = new SshClient { Settings = new TransportSettings { Ciphers = [Cipher] } };
        client.LoadHostKeys(target.KnownHosts);
        await client.ConnectAsync("127.0.0.1", target.Port, LocalSshd.User, keyFilename: [sshd.ClientKey], lookForKeys: false, allowAgent: false);
        await using SftpClient sftp = await client.OpenSftpAsync();
        // For tuning runs: SSHCS_SFTP_CHUNK (bytes per request) and SSHCS_SFTP_REQUESTS (requests in flight).
        if (int.TryParse(Environment.GetEnvironmentVariable("SSHCS_SFTP_CHUNK"), CultureInfo.InvariantCulture, out int chunk))
            sftp.ReadChunkSize = sftp.WriteChunkSize = chunk;
        if (int.TryParse(Environment.GetEnvironmentVariable("SSHCS_SFTP_REQUESTS"), CultureInfo.InvariantCulture, out int requests))
            sftp.MaxRequestsInFlight = requests;
        if (Environment.GetEnvironmentVariable("SSHCS_BENCH_VERBOSE") == "1")
            Console.WriteLine($"  our client: {sftp.ReadChunkSize} / {sftp.WriteChunkSize} bytes per read / write, {sftp.MaxRequestsInFlight} in flight; server limits {sftp.Limits}");
        string uploaded = Path.Combine(data, "upload.bin");
        File.Delete(download ? local : uploaded);
        FlushPageCache();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long itemsBefore = ThreadPool.CompletedWorkItemCount;
        var clock = Stopwatch.StartNew();
        if (download)
        {
            await sftp.GetAsync(target.Directory + "source.bin", local);
        }
        else
        {
            await sftp.PutAsync(local, target.Directory + "upload.bin");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (Environment.GetEnvironmentVariable("SSHCS_BENCH_VERBOSE") == "1")
            Console.WriteLine(FormattableString.Invariant($"  our {(download ? "get" : "put")}: {cpu / (size / 1e9):0.00} CPU s/GB, {(ThreadPool.CompletedWorkItemCount - itemsBefore) / (size / 32768.0):0.00} thread-pool items per 32 KiB"));
        long moved = new FileInfo(download ? local : uploaded).Length;
        if (expected is not null) Verify(download ? local : uploaded, expected);
        return new Sample(moved / seconds / 1e6, cpu / (moved / 1e9));
    }

    /// <summary>One <c>sftp -b</c> command, timed, less the same connection with an empty batch.</summary>
    private static Sample OpenSshSftp(LocalSshd sshd, Target target, string command, string result, byte[] expected)
    {
        string sftp = $"sftp -q -o Ciphers={Cipher} -o BatchMode=yes -o UserKnownHostsFile={target.KnownHosts} -o StrictHostKeyChecking=yes " +
                      $"-o IdentitiesOnly=yes -i {sshd.ClientKey} -P {target.Port} -b - {LocalSshd.User}@127.0.0.1";
        return TimedTransfer($"echo pwd | {sftp} > /dev/null", $"echo '{command}' | {sftp} > /dev/null", result, expected);
    }

    /// <summary>MB/s and client CPU of <paramref name="transfer"/> (a shell command) less those of
    /// <paramref name="setup"/> (the same client connecting and doing nothing), once <paramref name="result"/> proved
    /// to hold the source's bytes.</summary>
    private static Sample TimedTransfer(string setup, string transfer, string result, byte[] expected)
    {
        (double setupSeconds, double setupCpu) = TimeShellWithCpu(setup);
        File.Delete(result); // a failed transfer must not be timed or verified against an earlier one's file
        FlushPageCache();
        (double total, double cpu) = TimeShellWithCpu(transfer);
        long size = new FileInfo(result).Length;
        Verify(result, expected);
        return new Sample(size / Math.Max(total - setupSeconds, 0.001) / 1e6, Math.Max(cpu - setupCpu, 0) / (size / 1e9));
    }

    /// <summary>One <c>sshcs sftp</c> transfer (the published binary in SSHCS_EXE, else the built CLI under dotnet),
    /// its connection set-up (an <c>ls</c> of the data directory) subtracted, as for OpenSSH's sftp.</summary>
    private static Sample SshcsTool(LocalSshd sshd, string operation, string data, string result, byte[] expected)
    {
        string tool = SshcsServerProcess.ExecutableFromEnvironment() ?? $"{IdleConnectionsRun.DotnetPath()} {IdleConnectionsRun.CliPath()}";
        string options = $"-o Ciphers={Cipher} --known-hosts {sshd.KnownHosts} -i {sshd.ClientKey} -p {sshd.Port}";
        string[] words = operation.Split(' ', 2);
        return TimedTransfer($"{tool} sftp ls {options} {LocalSshd.User}@127.0.0.1:{data} > /dev/null",
            $"{tool} sftp {words[0]} {options} {words[1]} > /dev/null", result, expected);
    }

    private static string KnownHostsFor(LocalSshd sshd, int port)
    {
        string path = Path.Combine(sshd.Directory, "known_hosts_sshcs");
        File.WriteAllText(path, $"[127.0.0.1]:{port} {File.ReadAllText(Path.Combine(sshd.Directory, "host_ed25519.pub")).Trim()}\n");
        return path;
    }

    /// <summary><c>sshcs server</c> with sshd's host key and the same client key, serving the data directory.</summary>
    private static async Task<Process> StartSshcsServerAsync(LocalSshd sshd, string root)
    {
        var startInfo = new ProcessStartInfo(IdleConnectionsRun.DotnetPath()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            IdleConnectionsRun.CliPath(), "server", "--listen", "127.0.0.1:0", "--user", $"{LocalSshd.User}:unused-password",
            "--host-key", Path.Combine(sshd.Directory, "host_ed25519"), "--authorized-keys", Path.Combine(sshd.Directory, "authorized_keys"),
            "--sftp-root", root, "--log-level", "error",
        })
        {
            startInfo.ArgumentList.Add(a);
        }
        Process server = Process.Start(startInfo)!;
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"server: {e.Data}"); };
        server.BeginErrorReadLine();
        await Task.CompletedTask;
        return server;
    }
}
