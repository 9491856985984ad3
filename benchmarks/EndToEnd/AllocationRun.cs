using Ssh.Client;
using Ssh.Server;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// Managed allocation per 32 KiB packet through the whole stack, client and server in this process over loopback
/// TCP: <c>dotnet run -c Release --project benchmarks -- allocations [--size 200M]</c>. Downloads (server → client:
/// the server's send path and the client's receive path) and uploads (the reverse), after a warm-up, and reports the
/// <see cref="GC.GetTotalAllocatedBytes"/> difference between a short and a long transfer per packet in between.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class AllocationRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        long size = 200L << 20;
        bool compress = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--size") size = long.Parse(args[++i].TrimEnd('M')) << 20;
            if (args[i] == "--compress") compress = true;
        }
        // --compress: zlib@openssh.com both ways (the data is zeros, so this measures the per-packet machinery).
        await using TestSshServer server = TestSshServer.Start(configure: o => o.Settings.UseCompression(compress, asServer: true));
        await using var client = new SshClient();
        client.GetHostKeys().Add($"[{server.Host}]:{server.Port}", server.HostKey.KeyType, server.HostKey);
        await client.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, lookForKeys: false, compress: compress);
        Console.WriteLine($"compression: {client.GetTransport()!.Algorithms!.CompressionServerToClient}");

        await MoveAsync(client, 16L << 20, download: true);
        await MoveAsync(client, 16L << 20, download: false);
        // Each transfer also pays for its channel (buffers growing to the window, the process, the requests): run a
        // small and a large one and report the difference, which is what each further packet costs.
        foreach (bool download in new[] { true, false })
        {
            long small = await AllocatedAsync(client, size / 4, download);
            long large = await AllocatedAsync(client, size, download);
            double extraPackets = (size - size / 4) / 32768.0;
            Console.WriteLine($"{(download ? "download" : "upload"),-9} {(large - small) / extraPackets:0.0} bytes allocated per further 32 KiB packet " +
                              $"(client and server together; {small / 1024} KiB for a whole {size / 4 >> 20} MiB command, {large / 1024} KiB for {size >> 20} MiB)");
        }
        return 0;
    }

    private static async Task<long> AllocatedAsync(SshClient client, long size, bool download)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await MoveAsync(client, size, download);
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private static async Task MoveAsync(SshClient client, long size, bool download)
    {
        var channel = await client.GetTransport()!.OpenSessionAsync();
        await InProcessTransfer.MoveAsync(channel, size, download);
        await channel.RecvExitStatusAsync();
        await channel.CloseAsync();
    }
}
