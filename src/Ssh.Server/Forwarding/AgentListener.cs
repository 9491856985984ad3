using System.Net.Sockets;
using Ssh.Channels;
using Ssh.Channels.Forwarding;

namespace Ssh.Server.Forwarding;

/// <summary>
/// The server's half of agent forwarding for one session (PROTOCOL.agent, as sshd does it): a Unix socket
/// <c>agent.PID</c> (mode 0600) in a fresh directory (mode 0700) under the temporary directory, whose path the
/// session's processes get as <c>SSH_AUTH_SOCK</c>. Each connection to it becomes an <c>auth-agent@openssh.com</c>
/// channel to the client, pumped both ways. The socket and its directory are removed when the session ends.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class AgentListener : IAsyncDisposable
{
    /// <summary>Agent connections open at once through one session; more are turned away.</summary>
    public const int MaxConnections = 16;

    private readonly SshTransport _transport;
    private readonly Socket _socket;
    private readonly string _directory;
    private readonly Action<string>? _log;
    private readonly CancellationTokenSource _stop = new();
    private int _open;
    private int _disposed;

    private AgentListener(SshTransport transport, Socket socket, string directory, string path, Action<string>? log)
    {
        _transport = transport;
        _socket = socket;
        _directory = directory;
        SocketPath = path;
        _log = log;
    }

    /// <summary>The socket's path, for <c>SSH_AUTH_SOCK</c>.</summary>
    public string SocketPath { get; }

    /// <summary>Creates the directory and the socket and starts accepting; null (logged) when the system refuses.</summary>
    public static AgentListener? Start(SshTransport transport, Action<string>? log)
    {
        string? directory = null;
        Socket? socket = null;
        try
        {
            // mkdtemp: a new directory, 0700, that no other user can have prepared or can enter.
            directory = Directory.CreateTempSubdirectory("sshcs-agent-").FullName;
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string path = Path.Combine(directory, $"agent.{Environment.ProcessId}");
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            socket.Listen(MaxConnections);
            var listener = new AgentListener(transport, socket, directory, path, log);
            _ = listener.AcceptLoopAsync();
            return listener;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket?.Dispose();
            if (directory is not null) TryDelete(directory);
            log?.Invoke($"agent forwarding: cannot create the agent socket: {e.Message}");
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // Out of descriptors, say: the next accept is tried after a pause rather than in a spin.
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            if (Interlocked.Increment(ref _open) > MaxConnections || !FileDescriptorBudget.HasRoomForForwarding())
            {
                Interlocked.Decrement(ref _open);
                connection.Dispose();
                _log?.Invoke("agent forwarding: a connection was turned away (too many open)");
                continue;
            }
            _ = RelayAsync(connection);
        }
    }

    private async Task RelayAsync(Socket connection)
    {
        try
        {
            Channel channel = await _transport.OpenChannelAsync(ChannelTypes.AuthAgent, ReadOnlyMemory<byte>.Empty, _stop.Token).ConfigureAwait(false);
            await ChannelPump.RunAsync(channel, connection, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Transport.SshException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // The client refused the channel (it did not mean to forward) or the connection is going: the local
            // program sees its agent connection close.
            connection.Dispose();
            _log?.Invoke($"agent forwarding: {e.Message}");
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>Stops accepting, closes the socket and removes it with its directory.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return ValueTask.CompletedTask;
        _stop.Cancel();
        _socket.Dispose();
        TryDelete(_directory);
        return ValueTask.CompletedTask;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or never fully made.
        }
    }
}
