using System.Diagnostics;
using System.Globalization;
using System.Net;
using Ssh.Client;
using Ssh.Transport.Keys;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// Opens N authenticated, idle connections with our client to one <c>sshcs server</c> child process and reports
/// handshakes per second (TCP connect + key exchange + ed25519 publickey auth) and the server's memory per
/// connection: resident set (VmRSS from <c>/proc/PID/status</c>) and live managed heap (after a full GC, which the
/// server writes to its hidden <c>--stats-file</c> on SIGUSR1), each as (with N open − before) / N.
/// Run: <c>dotnet run -c Release --project benchmarks -- connections [--count 1000] [--parallel 8]</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class IdleConnectionsRun
{
    private const string User = "bench";
    private const int Warmup = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        int count = 1000;
        int parallel = 8;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--count": count = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--parallel": parallel = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
            }
        }

        string dir = Directory.CreateTempSubdirectory("sshcs-idle.").FullName;
        SshcsServerProcess? server = null;
        var clients = new List<SshClient>();
        try
        {
            var hostKey = Ed25519PrivateKey.Generate();
            var clientKey = Ed25519PrivateKey.Generate();
            string hostKeyFile = Path.Combine(dir, "host_ed25519");
            File.WriteAllText(hostKeyFile, "");
            File.SetUnixFileMode(hostKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(hostKeyFile, OpenSshPrivateKeyFile.Format(hostKey));
            File.WriteAllText(Path.Combine(dir, "authorized_keys"), clientKey.PublicKey.ToOpenSshString("bench") + "\n");
            string statsFile = Path.Combine(dir, "stats");

            server = await SshcsServerProcess.StartAsync(User, hostKeyFile, Path.Combine(dir, "authorized_keys"), SshcsServerProcess.ExecutableFromEnvironment(),
                ["--max-startups", Math.Max(100, parallel * 2).ToString(CultureInfo.InvariantCulture), "--stats-file", statsFile]);
            int port = server.Port;

            async Task<SshClient> ConnectAsync()
            {
                var client = new SshClient();
                client.GetHostKeys().Add($"[127.0.0.1]:{port}", hostKey.PublicKey.KeyType, hostKey.PublicKey);
                client.SetMissingHostKeyPolicy(new RejectPolicy());
                await client.ConnectAsync("127.0.0.1", port, User, pkey: clientKey, lookForKeys: false, allowAgent: false,
                    timeout: TimeSpan.FromSeconds(60));
                return client;
            }

            // Warm up (JIT, pools) on both sides, then close those and measure the baseline.
            for (int i = 0; i < Warmup; i++) await (await ConnectAsync()).DisposeAsync();
            await WaitForConnectionsAsync(server, statsFile, 0);
            var before = await SampleAsync(server, statsFile);
            long clientBefore = GC.GetTotalMemory(forceFullCollection: true);

            var clock = Stopwatch.StartNew();
            using (var gate = new SemaphoreSlim(parallel))
            {
                var tasks = Enumerable.Range(0, count).Select(async _ =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        return await ConnectAsync();
                    }
                    finally
                    {
                        gate.Release();
                    }
                }).ToList();
                clients.AddRange(await Task.WhenAll(tasks));
            }
            double seconds = clock.Elapsed.TotalSeconds;

            await Task.Delay(1000); // let the connections settle into idleness
            var after = await SampleAsync(server, statsFile);
            long clientAfter = GC.GetTotalMemory(forceFullCollection: true);
            if (after.Connections != count)
                throw new InvalidOperationException($"The server counts {after.Connections} connections, expected {count}.");

            static string KiB(double bytes) => (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture);
            Console.WriteLine($"Idle connections: {count} authenticated (ed25519 publickey) connections from our client to one `sshcs server` process on 127.0.0.1, {parallel} handshakes in flight, {Environment.ProcessorCount} cores shared by client and server");
            Console.WriteLine($"handshakes/s (connect + kex + auth): {count / seconds:0} ({seconds:0.00} s for {count})");
            Console.WriteLine($"server RSS: {KiB(before.Rss)} KiB before, {KiB(after.Rss)} KiB with {count} open -> {KiB((after.Rss - before.Rss) / (double)count)} KiB per connection");
            Console.WriteLine($"server managed heap (live, after full GC): {KiB(before.Managed)} KiB before, {KiB(after.Managed)} KiB with {count} open -> {KiB((after.Managed - before.Managed) / (double)count)} KiB per connection");
            Console.WriteLine($"client managed heap, for comparison: {KiB((clientAfter - clientBefore) / (double)count)} KiB per connection");
            return 0;
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
            server?.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record Sample(int Connections, long Managed, long Rss);

    /// <summary>SIGUSR1 makes the server write its stats file (after a full GC); VmRSS comes from /proc.</summary>
    private static async Task<Sample> SampleAsync(SshcsServerProcess server, string statsFile)
    {
        File.Delete(statsFile);
        using (var kill = Process.Start("kill", ["-USR1", server.ProcessId.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(statsFile))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || server.HasExited) throw new TimeoutException("The server wrote no stats file.");
            await Task.Delay(50);
        }
        var stats = File.ReadAllLines(statsFile).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        return new Sample((int)stats["connections"], stats["managed_heap_bytes"], VmRssBytes(server.ProcessId));
    }

    private static async Task WaitForConnectionsAsync(SshcsServerProcess server, string statsFile, int expected)
    {
        for (int i = 0; i < 100; i++)
        {
            if ((await SampleAsync(server, statsFile)).Connections == expected) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"The server did not get down to {expected} connections.");
    }

    private static long VmRssBytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    internal static async Task<int> ReadPortAsync(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("Listening on ", StringComparison.Ordinal))
            {
                var endpoint = IPEndPoint.Parse(line["Listening on ".Length..].Trim());
                _ = server.StandardOutput.ReadToEndAsync(); // keep draining
                return endpoint.Port;
            }
        }
        throw new InvalidOperationException("sshcs server exited before listening.");
    }

    internal static string DotnetPath() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    /// <summary><c>src/Ssh.Cli/bin/CONFIG/TFM/sshcs.dll</c>, found by walking up from this program's directory
    /// (built with it through the project reference); <c>SSHCS_CLI</c> overrides.</summary>
    internal static string CliPath()
    {
        if (Environment.GetEnvironmentVariable("SSHCS_CLI") is { Length: > 0 } overridden) return overridden;
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDirectory.Name;
        string configuration = baseDirectory.Parent?.Name ?? "Release";
        for (var dir = baseDirectory; dir != null; dir = dir.Parent)
        {
            foreach (string config in new[] { configuration, "Release", "Debug" })
            {
                string candidate = Path.Combine(dir.FullName, "src", "Ssh.Cli", "bin", config, tfm, "sshcs.dll");
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException("sshcs.dll is not built: dotnet build src/Ssh.Cli -c Release.");
    }
}
