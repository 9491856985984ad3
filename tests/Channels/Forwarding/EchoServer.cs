using System.Net;
using System.Net.Sockets;

namespace Ssh.Tests.Channels.Forwarding;

/// <summary>A loopback TCP (or Unix socket) server that echoes every connection until the client's EOF, then
/// closes its side: half-close end to end.</summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private int _accepted;

    private EchoServer(Socket listener)
    {
        _listener = listener;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public string? SocketPath { get; private init; }
    public int Accepted => Volatile.Read(ref _accepted);

    public static EchoServer StartTcp()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return new EchoServer(listener);
    }

    public static EchoServer StartUnix(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        // Connectable by any user: sshd connects as the test user.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        return new EchoServer(listener) { SocketPath = path };
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            lock (_connections) _connections.Add(Task.Run(() => EchoAsync(socket)));
        }
    }

    private static async Task EchoAsync(Socket socket)
    {
        using (socket)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await socket.ReceiveAsync(buffer)) > 0) await socket.SendAsync(buffer.AsMemory(0, n));
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _accepting;
        Task[] connections;
        lock (_connections) connections = [.. _connections];
        await Task.WhenAll(connections).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        if (SocketPath is not null) File.Delete(SocketPath);
    }
}

/// <summary>Sends bytes through a connected socket while reading everything back until EOF.</summary>
internal static class SocketRoundTrip
{
    public static byte[] RandomBytes(int count)
    {
        var data = new byte[count];
        new Random(count).NextBytes(data);
        return data;
    }

    /// <summary>Writes <paramref name="data"/>, half-closes, and returns everything read until the peer's EOF.</summary>
    public static async Task<byte[]> EchoAsync(Socket socket, byte[] data, CancellationToken ct)
    {
        Task send = Task.Run(async () =>
        {
            await socket.SendAsync(data, SocketFlags.None, ct);
            socket.Shutdown(SocketShutdown.Send);
        }, ct);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0) received.Write(buffer, 0, n);
        await send;
        return received.ToArray();
    }

    public static async Task<Socket> ConnectAsync(EndPoint endPoint, CancellationToken ct)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint, ct);
        return socket;
    }
}
