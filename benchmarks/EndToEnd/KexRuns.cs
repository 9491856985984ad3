using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ssh.Client;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// <c>kex [--count N]</c>: the CPU each side spends in one key exchange, per method: the client's work (its ephemeral
/// key, the agreement, H) and the server's (the same plus signing H with an Ed25519 host key), measured on one thread
/// over the method objects alone, no I/O; the median of N runs in µs.
/// <c>soak [--count 1000] [--kex NAME] [--sshd N]</c>: full handshakes over loopback TCP between our client and our
/// server session, then (with --sshd) N more per method against Debian's sshd; any failure stops the run with exit 1.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class KexRuns
{
    private static readonly Ed25519PrivateKey HostKey = Ed25519PrivateKey.Generate();

    public static int HandshakeCpu(string[] args)
    {
        int count = Option(args, "--count", 50);
        var context = (Client: KexContext.ForClient("SSH-2.0-a", "SSH-2.0-b", Init(), Init()),
            Server: (Func<KexContext>)(() => KexContext.ForServer("SSH-2.0-a", "SSH-2.0-b", Init(), Init(), HostKey.PublicKey.GetBlob(),
                h => HostKey.Sign(h, "ssh-ed25519"))));
        var settings = new TransportSettings { ModuliFile = null };
        Console.WriteLine($"{"key exchange",-38} {"client µs",10} {"server µs",10}   (median of {count}, one thread, Ed25519 host key)");
        foreach (KexInfo info in KexRegistry.All)
        {
            var client = new List<double>();
            var server = new List<double>();
            for (int i = -3; i < count; i++)
            {
                using IKeyExchangeMethod c = info.Create(settings);
                using IKeyExchangeMethod s = info.Create(settings);
                double clientTicks = 0, serverTicks = 0;
                long t = Stopwatch.GetTimestamp();
                KexStep cs = c.Start(KexContext.ForClient("SSH-2.0-a", "SSH-2.0-b", context.Client.ClientKexInit, context.Client.ServerKexInit));
                clientTicks += Stopwatch.GetTimestamp() - t;
                t = Stopwatch.GetTimestamp();
                s.Start(context.Server());
                serverTicks += Stopwatch.GetTimestamp() - t;
                KexResult? done = null;
                while (done is null)
                {
                    t = Stopwatch.GetTimestamp();
                    KexStep ss = s.Handle(cs.Message!);
                    serverTicks += Stopwatch.GetTimestamp() - t;
                    t = Stopwatch.GetTimestamp();
                    cs = c.Handle(ss.Message!);
                    clientTicks += Stopwatch.GetTimestamp() - t;
                    done = cs.Result;
                }
                if (i < 0) continue; // warm-up
                client.Add(clientTicks * 1e6 / Stopwatch.Frequency);
                server.Add(serverTicks * 1e6 / Stopwatch.Frequency);
            }
            Console.WriteLine($"{info.Name,-38} {Median(client),10:0} {Median(server),10:0}");
        }
        return 0;
    }

    private static byte[] Init() => new KexInitMessage { KexAlgorithms = ["x"], ServerHostKeyAlgorithms = ["ssh-ed25519"] }.ToPayload();

    public static async Task<int> SoakAsync(string[] args)
    {
        int count = Option(args, "--count", 1000);
        int sshdCount = Option(args, "--sshd", 0);
        string? only = args.SkipWhile(a => a != "--kex").Skip(1).FirstOrDefault();
        var names = KexRegistry.All.Select(k => k.Name).Where(n => only is null || n == only).ToArray();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        int failures = 0;
        foreach (string kex in names)
        {
            var settings = new TransportSettings { KexAlgorithms = [kex], ModuliFile = "/etc/ssh/moduli" };
            var stopwatch = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                try
                {
                    using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    Task connect = clientSocket.ConnectAsync(IPAddress.Loopback, port);
                    using Socket serverSocket = await listener.AcceptSocketAsync();
                    await connect;
                    await using var server = new SshSession(new NetworkStream(serverSocket, ownsSocket: false), SessionRole.Server, settings) { HostKeys = [HostKey] };
                    await using var client = new SshSession(new NetworkStream(clientSocket, ownsSocket: false), SessionRole.Client, settings);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    Task serverStart = server.StartAsync(timeout.Token);
                    await client.StartAsync(timeout.Token);
                    await serverStart;
                    if (!client.SessionId!.AsSpan().SequenceEqual(server.SessionId) || client.Algorithms!.Kex != kex)
                        throw new InvalidOperationException("The two sides disagree.");
                }
                catch (Exception e)
                {
                    failures++;
                    Console.WriteLine($"  {kex}: handshake {i} failed: {e.Message}");
                }
            }
            Console.WriteLine($"{kex,-38} ours↔ours {count} handshakes, {failures} failures so far, {stopwatch.Elapsed.TotalMilliseconds / count:0.0} ms each");
        }
        listener.Stop();
        if (sshdCount > 0) failures += await SoakSshdAsync(names, sshdCount);
        Console.WriteLine($"soak: {failures} failures");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Our client against Debian's sshd (every method it shares with us; mlkem768x25519 and the plain
    /// sntrup761 name need OpenSSH 10, with <c>SSHCS_OPENSSH10</c> pointing at its prefix).</summary>
    private static async Task<int> SoakSshdAsync(string[] names, int count)
    {
        int failures = 0;
        string? openSsh10 = Environment.GetEnvironmentVariable("SSHCS_OPENSSH10");
        foreach (bool ten in new[] { false, true })
        {
            if (ten && openSsh10 is null) continue;
            string[] kex = ten
                ? names.Where(n => n is "mlkem768x25519-sha256" or "sntrup761x25519-sha512").ToArray()
                : names.Where(n => n is not ("mlkem768x25519-sha256" or "sntrup761x25519-sha512")).ToArray();
            using LocalSshd sshd = LocalSshd.Start(["KexAlgorithms " + string.Join(',', kex), .. ten ? new[] { "PerSourcePenalties no" } : []],
                ten ? Path.Combine(openSsh10!, "sbin", "sshd") : "/usr/sbin/sshd");
            foreach (string name in kex)
            {
                var stopwatch = Stopwatch.StartNew();
                for (int i = 0; i < count; i++)
                {
                    try
                    {
                        await using var client = new SshClient { Settings = new TransportSettings { KexAlgorithms = [name] } };
                        client.LoadHostKeys(sshd.KnownHosts);
                        await client.ConnectAsync("127.0.0.1", sshd.Port, LocalSshd.User, keyFilename: [sshd.ClientKey], lookForKeys: false,
                            allowAgent: false, timeout: TimeSpan.FromSeconds(30));
                        if (client.GetTransport()!.Algorithms!.Kex != name) throw new InvalidOperationException("Another method was negotiated.");
                    }
                    catch (Exception e)
                    {
                        failures++;
                        Console.WriteLine($"  {name} vs sshd: handshake {i} failed: {e.Message}");
                    }
                }
                Console.WriteLine($"{name,-38} ours→{(ten ? "OpenSSH 10" : "sshd 9.2")} {count} handshakes, {failures} failures so far, {stopwatch.Elapsed.TotalMilliseconds / count:0.0} ms each");
            }
        }
        return failures;
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int value) ? value : fallback;
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
