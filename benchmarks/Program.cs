using BenchmarkDotNet.Running;
using Ssh.Benchmarks.EndToEnd;

namespace Ssh.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks -- compare</c> runs issue 13's targets 1, 2, 4 and 5 side by side
/// with OpenSSH and SSH.NET and prints one table of ratios; <c>throughput [--size 1G]</c> runs the end-to-end comparison
/// with OpenSSH; <c>connections [--count 1000]</c> opens that many idle connections to one <c>sshcs server</c> and
/// reports handshakes per second and the server's memory per connection; <c>sftp [--size 1G]</c> compares SFTP get and
/// put with OpenSSH's sftp; <c>kex</c> the CPU per key exchange method, <c>soak</c> 1,000 handshakes per method,
/// <c>compression</c> 100 MB of text with and without zlib beside <c>ssh -C</c>; anything else goes to BenchmarkDotNet
/// (e.g. <c>--filter '*PacketCipher*'</c>).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare" && OperatingSystem.IsLinux())
            return await CompareRun.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "transfer-child" && OperatingSystem.IsLinux())
            return await InProcessChild.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "throughput" && OperatingSystem.IsLinux())
            return await ThroughputRun.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "connections" && OperatingSystem.IsLinux())
            return await IdleConnectionsRun.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "sftp" && OperatingSystem.IsLinux())
            return await SftpRun.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "allocations" && OperatingSystem.IsLinux())
            return await AllocationRun.RunAsync(args[1..]);
        if (args.Length > 0 && args[0] == "kex" && OperatingSystem.IsLinux())
            return KexRuns.HandshakeCpu(args[1..]);
        if (args.Length > 0 && args[0] == "soak" && OperatingSystem.IsLinux())
            return await KexRuns.SoakAsync(args[1..]);
        if (args.Length > 0 && args[0] == "compression" && OperatingSystem.IsLinux())
            return await CompressionRun.RunAsync(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
