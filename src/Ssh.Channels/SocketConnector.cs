using System.Net.Sockets;
using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>Opens the TCP connection an SSH client runs over.</summary>
internal static class SocketConnector
{
    /// <summary>Connects with TCP_NODELAY (SSH is latency-bound on small packets) and, on Linux, prompt ACKs
    /// (<see cref="QuickAckNetworkStream"/>); a failure is an
    /// <see cref="SshConnectionException"/> and a passed <paramref name="timeout"/> a <see cref="TimeoutException"/>,
    /// both naming the host.</summary>
    public static async Task<Stream> ConnectAsync(string host, int port, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) timeoutSource.CancelAfter(t);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
            return OperatingSystem.IsLinux() ? new QuickAckNetworkStream(socket) : new NetworkStream(socket, ownsSocket: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {host}:{port} timed out after {timeout!.Value.TotalSeconds:0.#} s.");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new SshConnectionException($"Cannot connect to {host}:{port}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
