using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;
using Ssh.Transport;

namespace Ssh.InteropTests.ServerSessions;

/// <summary>
/// The soak of the hardening issue, against a server in this test process (so a crash ends the run): channels moving
/// data both ways while the keys are renegotiated over and over, every byte checked; and many sessions doing exec and
/// forwarding while unauthenticated connections flood in. CI runs the short form below; <c>benchmarks/stress.sh</c>
/// runs the full one (4 × 1 GiB both ways through 1,000 re-exchanges; 200 sessions under a flood of 1,000) through
/// the same tests, sized by environment variables.
/// </summary>
[TestFixture]
public sealed class StressTests
{
    private const int TimeoutMs = 3_600_000;

    private static long Setting(string name, long shortForm) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? long.Parse(value, CultureInfo.InvariantCulture) : shortForm;

    private static async Task<SshClient> ConnectAsync(TestSshServer server, TransportSettings? settings, CancellationToken cancellationToken)
    {
        var client = new SshClient { Settings = settings ?? new TransportSettings() };
        client.GetHostKeys().Add($"[{server.Host}]:{server.Port}", server.HostKey.KeyType, server.HostKey);
        await client.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, lookForKeys: false, allowAgent: false,
            timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        return client;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Four_channels_both_ways_through_many_rekeys_arrive_intact(CancellationToken cancellationToken)
    {
        long perChannel = Setting("SSHCS_STRESS_BYTES", 16L << 20);
        long rekeyBytes = Setting("SSHCS_STRESS_REKEY_BYTES", 256 << 10);
        var settings = new TransportSettings { RekeyBytesLimit = rekeyBytes };
        await using TestSshServer server = TestSshServer.Start(configure: o => o.Settings = new TransportSettings { RekeyBytesLimit = rekeyBytes });
        await using SshClient client = await ConnectAsync(server, settings, cancellationToken);
        SshTransport transport = client.GetTransport()!;
        int before = transport.KeyExchangeCount;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => EchoThroughCatAsync(transport, perChannel, seed: i, cancellationToken)));
        clock.Stop();

        int rekeys = transport.KeyExchangeCount - before;
        double megabytes = 4 * 2 * perChannel / 1e6;
        TestContext.Out.WriteLine($"4 channels x {perChannel >> 20} MiB both ways through `cat`: {rekeys} re-exchanges, " +
                                  $"{megabytes / clock.Elapsed.TotalSeconds:0} MB/s moved in all, {clock.Elapsed.TotalSeconds:0.0} s");
        // An exchange starts once a direction passes the limit; what flows while it runs (up to 1 MiB of channel data
        // is held) counts toward the next period, so a period is at most the limit plus that.
        Assert.That(rekeys, Is.GreaterThanOrEqualTo(4 * perChannel / (rekeyBytes + (1 << 20))), "the keys were not renegotiated as often as the limit asks");
    }

    /// <summary>Sends <paramref name="size"/> pseudo-random bytes into <c>cat</c> on one channel while reading them
    /// back; the SHA-256 of what came back must be that of what went.</summary>
    private static async Task EchoThroughCatAsync(SshTransport transport, long size, int seed, CancellationToken cancellationToken)
    {
        Channel channel = await transport.OpenSessionAsync(cancellationToken);
        await channel.ExecCommandAsync("cat", cancellationToken);
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Task send = Task.Run(async () =>
        {
            var random = new Random(seed);
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size;)
            {
                int n = (int)Math.Min(chunk.Length, size - sent);
                random.NextBytes(chunk.AsSpan(0, n));
                sentHash.AppendData(chunk, 0, n);
                await channel.SendAllAsync(chunk.AsMemory(0, n), cancellationToken);
                sent += n;
            }
            await channel.ShutdownWriteAsync(cancellationToken);
        }, cancellationToken);
        byte[] buffer = new byte[256 * 1024];
        long received = 0;
        int read;
        while ((read = await channel.ReadAsync(buffer, cancellationToken)) > 0)
        {
            receivedHash.AppendData(buffer, 0, read);
            received += read;
        }
        await send;
        Assert.That(received, Is.EqualTo(size), $"channel {seed}");
        Assert.That(receivedHash.GetHashAndReset(), Is.EqualTo(sentHash.GetHashAndReset()), $"channel {seed}: the data came back changed");
        Assert.That(await channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0));
        await channel.CloseAsync(cancellationToken);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Concurrent_sessions_keep_working_while_unauthenticated_connections_flood_in(CancellationToken cancellationToken)
    {
        int sessions = (int)Setting("SSHCS_STRESS_SESSIONS", 40);
        int flood = (int)Setting("SSHCS_STRESS_FLOOD", 300);
        const int Rounds = 3;
        // Room for the flood and the logins: this is about sessions working while it runs (eviction under pressure
        // is HardeningTests' business), and a churning flood at the limit would evict logins still in their key
        // exchange on a loaded machine.
        await using TestSshServer server = TestSshServer.Start(configure: o => o.MaxUnauthenticatedConnections = flood + 2 * sessions);
        using var echo = new Socket(SocketType.Stream, ProtocolType.Tcp);
        echo.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        echo.Listen(512);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task echoing = ServeEchoAsync(echo, stop.Token);
        Task flooding = FloodAsync(server, flood, stop.Token);

        int errors = 0;
        long moved = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
        {
            try
            {
                await using SshClient client = await ConnectAsync(server, null, cancellationToken);
                for (int round = 0; round < Rounds; round++)
                {
                    var (_, stdout, _) = await client.ExecCommandAsync("head -c 65536 /dev/zero | wc -c", cancellationToken: cancellationToken);
                    Assert.That((await stdout.ReadToEndAsync(cancellationToken)).Trim(), Is.EqualTo("65536"));
                    Interlocked.Add(ref moved, 65536);

                    Channel tunnel = await client.GetTransport()!.OpenChannelAsync("direct-tcpip",
                        new DnsEndPoint("127.0.0.1", ((IPEndPoint)echo.LocalEndPoint!).Port), cancellationToken: cancellationToken);
                    byte[] data = Encoding.ASCII.GetBytes(new string((char)('a' + i % 26), 65536));
                    await tunnel.SendAllAsync(data, cancellationToken);
                    await tunnel.ShutdownWriteAsync(cancellationToken);
                    byte[] back = await tunnel.MakeFile().ReadAsync(cancellationToken: cancellationToken);
                    Assert.That(back, Is.EqualTo(data));
                    Interlocked.Add(ref moved, 2 * data.Length);
                    await tunnel.CloseAsync(cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
                lock (failures) failures.Add($"session {i}: {e.GetType().Name}: {e.Message}");
            }
        }));
        clock.Stop();
        stop.Cancel();
        await Task.WhenAll(echoing, flooding).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ContinueWith(_ => { }, CancellationToken.None);

        TestContext.Out.WriteLine($"{sessions} sessions x {Rounds} rounds (exec + forward) under a flood of {flood} unauthenticated connections: " +
                                  $"{errors} errors, {moved / 1e6 / clock.Elapsed.TotalSeconds:0.0} MB/s, {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.That(errors, Is.Zero, string.Join('\n', failures.Take(10)));
    }

    private static async Task ServeEchoAsync(Socket listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                Socket connection = await listener.AcceptAsync(cancellationToken);
                _ = Task.Run(async () =>
                {
                    using (connection)
                    {
                        byte[] buffer = new byte[16 * 1024];
                        int n;
                        while ((n = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
                            await connection.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken);
                        connection.Shutdown(SocketShutdown.Send);
                    }
                }, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Keeps <paramref name="count"/> unauthenticated connections coming: silent ones, ones that send a
    /// version line and garbage, ones that send a version line and stall; each replaced when the server drops it.</summary>
    private static async Task FloodAsync(TestSshServer server, int count, CancellationToken cancellationToken)
    {
        var held = new List<Socket>();
        var random = new Random(11);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                held.RemoveAll(s =>
                {
                    bool gone = s.Poll(0, SelectMode.SelectRead) && s.Available == 0;
                    if (gone) s.Dispose();
                    return gone;
                });
                while (held.Count < count)
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                    await socket.ConnectAsync(IPAddress.Loopback, server.Port, cancellationToken);
                    switch (held.Count % 3)
                    {
                        case 1:
                            byte[] junk = new byte[random.Next(16, 2048)];
                            random.NextBytes(junk);
                            await socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-flood\r\n").Concat(junk).ToArray(), SocketFlags.None, cancellationToken);
                            break;
                        case 2:
                            await socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-stall\r\n"), SocketFlags.None, cancellationToken);
                            break;
                    }
                    held.Add(socket);
                }
                await Task.Delay(50, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
        finally
        {
            foreach (Socket socket in held) socket.Dispose();
        }
    }
}
