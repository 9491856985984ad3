using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;

namespace Ssh.Tests.Channels;

/// <summary>The client's socket on Linux, read and written with plain calls and waited on by threads of its own,
/// against a loopback peer: back-pressure both ways, zero-byte reads, cancellation, closing, refused connects, and
/// the read loop resuming on the reader thread.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PolledSocketStreamTests
{
    private Socket _listener = null!;

    [SetUp]
    public void SetUp()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    [TearDown]
    public void TearDown() => _listener.Dispose();

    private int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    private async Task<(Stream Client, Socket Peer)> ConnectAsync(CancellationToken ct)
    {
        Stream client = await SocketConnector.ConnectAsync("127.0.0.1", Port, TimeSpan.FromSeconds(10), ct);
        Socket peer = await _listener.AcceptAsync(ct);
        Assert.That(client, Is.TypeOf<PolledSocketStream>());
        return (client, peer);
    }

    [Test, CancelAfter(30_000)]
    public async Task Sixteen_mebibytes_each_way_arrive_intact_through_full_socket_buffers(CancellationToken ct)
    {
        var (client, peer) = await ConnectAsync(ct);
        using (peer)
        await using (client)
        {
            byte[] data = new byte[16 * 1024 * 1024];
            new Random(3).NextBytes(data);

            // Nobody reads yet: the write fills both socket buffers and must wait for room, not fail or spin.
            Task write = client.WriteAsync(data, ct).AsTask();
            await Task.Delay(200, ct);
            Assert.That(write.IsCompleted, Is.False, "16 MiB fit in the socket buffers: the test proves nothing");
            byte[] received = new byte[data.Length];
            await ReadExactlyAsync(peer, received, ct);
            await write;
            Assert.That(received, Is.EqualTo(data));

            Task send = SendAllAsync(peer, data, ct);
            byte[] back = new byte[data.Length];
            await client.ReadExactlyAsync(back, ct);
            await send;
            Assert.That(SHA256.HashData(back), Is.EqualTo(SHA256.HashData(data)));
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task A_read_that_waits_resumes_on_the_reader_thread_and_a_zero_byte_read_waits_for_data(CancellationToken ct)
    {
        var (client, peer) = await ConnectAsync(ct);
        using (peer)
        await using (client)
        {
            Task<int> zero = client.ReadAsync(Memory<byte>.Empty, ct).AsTask();
            await Task.Delay(100, ct);
            Assert.That(zero.IsCompleted, Is.False, "a zero-byte read returned before any data");
            await peer.SendAsync(new byte[] { 42 }, ct);
            Assert.That(await zero, Is.Zero);

            byte[] one = new byte[1];
            Assert.That(await client.ReadAsync(one, ct), Is.EqualTo(1));
            Assert.That(one[0], Is.EqualTo(42));

            // The read is made before the data is sent, so it waits; what runs on its completion runs on the reader.
            Task<string?> resumedOn = client.ReadAsync(one, ct).AsTask().ContinueWith(_ => Thread.CurrentThread.Name,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await Task.Delay(100, ct);
            await peer.SendAsync(new byte[] { 7 }, ct);
            Assert.That(await resumedOn, Is.EqualTo("sshcs socket reader"));
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task A_closed_connections_reader_thread_serves_the_next_connection(CancellationToken ct)
    {
        // Starting a thread costs about 5 % of a loopback connect, log-in and command: twenty connections one after
        // another are served by a few parked threads (the one still finishing the last connection's code cannot be
        // taken at once, nor one another test's connection took), not by twenty new ones.
        var readers = new HashSet<Thread>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < 20; i++)
        {
            var (client, peer) = await ConnectAsync(ct);
            using (peer)
            await using (client)
            {
                // The thread that completes a read which had to wait: the connection's reader.
                Task<Thread> completedOn = client.ReadAsync(new byte[1], ct).AsTask().ContinueWith(_ => Thread.CurrentThread,
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                await Task.Delay(20, ct);
                await peer.SendAsync(new byte[] { 1 }, ct);
                readers.Add(await completedOn);
            }
        }
        Assert.That(readers, Has.Count.LessThanOrEqualTo(10), "each connection started a thread of its own");
    }

    [Test, CancelAfter(20_000)]
    public async Task A_cancelled_read_throws_and_the_next_read_still_gets_the_data(CancellationToken ct)
    {
        var (client, peer) = await ConnectAsync(ct);
        using (peer)
        await using (client)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            byte[] buffer = new byte[8];
            Assert.That(async () => await client.ReadAsync(buffer, cancel.Token), Throws.InstanceOf<OperationCanceledException>());

            await peer.SendAsync(new byte[] { 1, 2, 3 }, ct);
            Assert.That(await client.ReadAsync(buffer, ct), Is.EqualTo(3));
            Assert.That(buffer[..3], Is.EqualTo(new byte[] { 1, 2, 3 }));
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task The_peer_closing_ends_the_stream_and_disposing_ends_a_waiting_read(CancellationToken ct)
    {
        var (client, peer) = await ConnectAsync(ct);
        await using (client)
        {
            peer.Dispose();
            Assert.That(await client.ReadAsync(new byte[8], ct), Is.Zero);
        }

        var (other, otherPeer) = await ConnectAsync(ct);
        using (otherPeer)
        {
            Task<int> waiting = other.ReadAsync(new byte[8], ct).AsTask();
            await Task.Delay(100, ct);
            await other.DisposeAsync();
            Assert.That(async () => await waiting, Throws.InstanceOf<ObjectDisposedException>());
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task A_connect_that_has_to_wait_resumes_the_caller_off_the_reader_thread(CancellationToken ct)
    {
        // A listener whose accept queue is full drops a new SYN, and the kernel sends it again a second later: the
        // connect waits on the reader thread. The caller must not resume there, or a blocking call it makes next
        // would keep that thread from ever reading.
        using var full = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        full.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        full.Listen(0);
        var endPoint = (IPEndPoint)full.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                fillers.Add(filler);
                try
                {
                    filler.Connect(endPoint);
                }
                catch (SocketException)
                {
                    // In progress (or dropped): it only has to take up the queue.
                }
            }
            Task<string?> connecting = Task.Run(async () =>
            {
                await using Stream stream = await SocketConnector.ConnectAsync("127.0.0.1", endPoint.Port, TimeSpan.FromSeconds(25), ct).ConfigureAwait(false);
                return Thread.CurrentThread.Name;
            }, ct);
            await Task.Delay(300, ct);
            Assert.That(connecting.IsCompleted, Is.False, "the connect did not wait: the test proves nothing");
            using var accepting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task drain = Task.Run(async () =>
            {
                while (!accepting.IsCancellationRequested) fillers.Add(await full.AcceptAsync(accepting.Token));
            }, ct);
            string? resumedOn = await connecting;
            await accepting.CancelAsync();
            Assert.That(async () => await drain, Throws.InstanceOf<OperationCanceledException>());
            Assert.That(resumedOn, Is.Not.EqualTo("sshcs socket reader"));
        }
        finally
        {
            foreach (Socket filler in fillers) filler.Dispose();
        }
    }

    [Test, CancelAfter(20_000)]
    public void A_refused_connect_names_the_host_and_port()
    {
        int port = Port;
        _listener.Dispose(); // nothing listens there now
        var error = Assert.ThrowsAsync<SshConnectionException>(() => SocketConnector.ConnectAsync("127.0.0.1", port, null, CancellationToken.None));
        Assert.That(error!.Message, Does.StartWith($"Cannot connect to 127.0.0.1:{port}: ").And.Contain("refused"));
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        for (int done = 0; done < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(done), ct);
            if (n == 0) throw new EndOfStreamException();
            done += n;
        }
    }

    private static async Task SendAllAsync(Socket socket, byte[] data, CancellationToken ct)
    {
        for (int done = 0; done < data.Length;) done += await socket.SendAsync(data.AsMemory(done), ct);
    }
}
