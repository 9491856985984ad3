using System.Net;
using System.Net.Sockets;
using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>Opens the TCP connection an SSH client runs over.</summary>
internal static class SocketConnector
{
    /// <summary>Connects with TCP_NODELAY (SSH is latency-bound on small packets): on Linux a
    /// <see cref="PolledSocketStream"/> (no runtime socket engine, prompt ACKs), elsewhere a
    /// <see cref="NetworkStream"/>. Each address of <paramref name="host"/> is tried in turn. A failure is an
    /// <see cref="SshConnectionException"/> and a passed <paramref name="timeout"/> a <see cref="TimeoutException"/>,
    /// both naming the host.</summary>
    public static async Task<Stream> ConnectAsync(string host, int port, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) timeoutSource.CancelAfter(t);
        try
        {
            return OperatingSystem.IsLinux()
                ? await ConnectPolledAsync(host, port, timeoutSource.Token).ConfigureAwait(false)
                : await ConnectNetworkStreamAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Connecting to {host}:{port} timed out after {timeout!.Value.TotalSeconds:0.#} s.");
        }
        catch (SocketException e)
        {
            throw new SshConnectionException($"Cannot connect to {host}:{port}: {e.Message}", e);
        }
    }

    private static async Task<Stream> ConnectPolledAsync(string host, int port, CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        SocketException? last = null;
        foreach (IPAddress address in addresses)
        {
            try
            {
                return await PolledSocketStream.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                last = e; // the next address may answer, as the runtime's own connect by name does
            }
        }
        throw last!;
    }

    private static async Task<Stream> ConnectNetworkStreamAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
