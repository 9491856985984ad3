using System.Diagnostics;
using Ssh.Client;
using Ssh.Transport;
using SshNet = Renci.SshNet;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>Our client in this process: one exec transfer (download <c>head -c</c>, upload <c>cat &gt; /dev/null</c>),
/// timed from the exec request to the exit status, with this process's CPU over it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class InProcessTransfer
{
    /// <returns>MB/s, CPU seconds per 10^9 bytes, and the transfer's seconds.</returns>
    public static async Task<(double MBps, double CpuPerGB, double Seconds)> MeasureAsync(int port, string knownHosts, string key, string cipher,
        bool download, long size)
    {
        await using var client = new SshClient { Settings = new TransportSettings { Ciphers = [cipher], KexAlgorithms = ["curve25519-sha256"] } };
        client.LoadHostKeys(knownHosts);
        await client.ConnectAsync("127.0.0.1", port, LocalSshd.User, keyFilename: [key], lookForKeys: false, allowAgent: false);
        var channel = await client.GetTransport()!.OpenSessionAsync();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        long moved = await MoveAsync(channel, size, download);
        int status = await channel.RecvExitStatusAsync();
        double seconds = stopwatch.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (status != 0 || moved != size) throw new InvalidOperationException($"Transfer failed: status {status}, {moved} of {size} bytes.");
        return (size / seconds / 1e6, cpu / (size / 1e9), seconds);
    }

    /// <summary>Runs the transfer's command on <paramref name="channel"/> and moves <paramref name="size"/> bytes through
    /// it (download: reads <c>head -c</c>'s output to the end; upload: writes to <c>cat &gt; /dev/null</c>, then EOF);
    /// returns the bytes moved. The exit status is the caller's to wait for.</summary>
    public static async Task<long> MoveAsync(Ssh.Channels.Channel channel, long size, bool download)
    {
        long moved = 0;
        byte[] buffer = new byte[256 * 1024];
        if (download)
        {
            await channel.ExecCommandAsync($"head -c {size} /dev/zero");
            int n;
            while ((n = await channel.ReadAsync(buffer)) > 0) moved += n;
        }
        else
        {
            await channel.ExecCommandAsync("cat > /dev/null");
            while (moved < size)
            {
                int chunk = (int)Math.Min(buffer.Length, size - moved);
                await channel.SendAllAsync(buffer.AsMemory(0, chunk));
                moved += chunk;
            }
            await channel.ShutdownWriteAsync();
        }
        return moved;
    }
}

/// <summary>One connection's latency: TCP connect, key exchange, publickey auth, exec <c>true</c>, its exit status,
/// close; in this process, with our client or SSH.NET.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class Latency
{
    public static async Task<double> OursAsync(int port, string knownHosts, string key, string kex)
    {
        var stopwatch = Stopwatch.StartNew();
        await using (var client = new SshClient { Settings = new TransportSettings { KexAlgorithms = [kex] } })
        {
            client.LoadHostKeys(knownHosts);
            await client.ConnectAsync("127.0.0.1", port, LocalSshd.User, keyFilename: [key], lookForKeys: false, allowAgent: false);
            await using var channel = await client.GetTransport()!.OpenSessionAsync();
            await channel.ExecCommandAsync("true");
            byte[] buffer = new byte[1024];
            while (await channel.ReadAsync(buffer) > 0) { }
            int status = await channel.RecvExitStatusAsync();
            if (status != 0) throw new InvalidOperationException($"true exited with {status}.");
        }
        return stopwatch.Elapsed.TotalSeconds;
    }

    private static SshNet.PrivateKeyFile? s_key;

    /// <summary>SSH.NET with only <paramref name="kex"/> offered, the host key checked against <paramref name="hostKey"/>
    /// (the ssh-ed25519 public key blob), its synchronous RunCommand (its usual way to exec).</summary>
    public static Task<double> SshNetAsync(int port, string key, byte[] hostKey, string kex)
    {
        s_key ??= new SshNet.PrivateKeyFile(key);
        var stopwatch = Stopwatch.StartNew();
        var info = new SshNet.ConnectionInfo("127.0.0.1", port, LocalSshd.User, new SshNet.PrivateKeyAuthenticationMethod(LocalSshd.User, s_key));
        foreach (string name in info.KeyExchangeAlgorithms.Keys.Where(k => k != kex).ToList()) info.KeyExchangeAlgorithms.Remove(name);
        using (var client = new SshNet.SshClient(info))
        {
            client.HostKeyReceived += (_, e) => e.CanTrust = e.HostKey.AsSpan().SequenceEqual(hostKey);
            client.Connect();
            using var command = client.RunCommand("true");
            if (command.ExitStatus != 0) throw new InvalidOperationException($"true exited with {command.ExitStatus}.");
            client.Disconnect();
        }
        return Task.FromResult(stopwatch.Elapsed.TotalSeconds);
    }
}
