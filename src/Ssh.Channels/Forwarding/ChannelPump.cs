using System.Buffers;
using System.Net.Sockets;

namespace Ssh.Channels.Forwarding;

/// <summary>
/// Copies bytes between a socket and a channel in both directions until both have ended, keeping half-close
/// (RFC 4254 §5.3): the socket's end of input becomes the channel's EOF, the channel's EOF becomes
/// <c>Shutdown(Send)</c> on the socket, and the other direction carries on. A reset, an error, the channel closing
/// or the connection going away ends both; then the socket is disposed and the channel closed.
/// </summary>
public static class ChannelPump
{
    private const int BufferSize = 32 * 1024;

    /// <summary>Pumps until both directions have ended; never throws for I/O errors (they just end the pump).</summary>
    public static async Task RunAsync(Channel channel, Socket socket, CancellationToken cancellationToken = default)
    {
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(abort.Token);
        // A CLOSE from the peer (or a lost connection) must wake a socket read that would otherwise wait forever; the
        // other direction still drains what the channel had buffered, so the close does not cut off its data.
        _ = channel.Completion.ContinueWith(_ => Cancel(stopReading), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await Task.WhenAll(SocketToChannelAsync(socket, channel, stopReading.Token, abort),
                ChannelToSocketAsync(channel, socket, abort)).ConfigureAwait(false);
        }
        finally
        {
            socket.Dispose();
            try
            {
                await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The connection is gone; the channel is closed on our side.
            }
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The pump has already finished.
        }
    }

    private static async Task SocketToChannelAsync(Socket socket, Channel channel, CancellationToken token, CancellationTokenSource abort)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(0, BufferSize), SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0) break;
                await channel.SendAllAsync(buffer.AsMemory(0, n), token).ConfigureAwait(false);
            }
            await channel.ShutdownWriteAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The local end was reset: nothing more can be delivered to it either.
            Cancel(abort);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The channel closed for sending, or the pump is stopping: the other direction ends on its own.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task ChannelToSocketAsync(Channel channel, Socket socket, CancellationTokenSource abort)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                int n = await channel.ReadAsync(buffer.AsMemory(0, BufferSize), abort.Token).ConfigureAwait(false);
                if (n == 0) break;
                await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, abort.Token).ConfigureAwait(false);
            }
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Cancel(abort);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
