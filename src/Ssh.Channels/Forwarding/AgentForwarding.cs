using System.Net.Sockets;
using Ssh.Transport;

namespace Ssh.Channels.Forwarding;

/// <summary>The client side of agent forwarding (PROTOCOL.agent): once enabled, each <c>auth-agent@openssh.com</c>
/// channel the server opens is connected to the local agent's Unix socket and pumped both ways. Until enabled such
/// channels are refused, as ssh refuses them without -A: a server must not reach an agent it was not given.</summary>
internal sealed class AgentForwarding
{
    private volatile string? _socketPath;
    private volatile bool _enabled;

    public bool Enabled => _enabled;

    /// <summary>Lets the server's agent channels in, to <paramref name="socketPath"/> (null: <c>$SSH_AUTH_SOCK</c>
    /// when each channel opens).</summary>
    public void Enable(string? socketPath)
    {
        _socketPath = socketPath;
        _enabled = true;
    }

    public async ValueTask<ChannelOpenDecision> DecideAsync(CancellationToken cancellationToken)
    {
        if (!_enabled)
            return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.AdministrativelyProhibited, "Agent forwarding was not requested.");
        string? path = _socketPath ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        if (string.IsNullOrEmpty(path))
            return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, "No local agent (SSH_AUTH_SOCK is not set).");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            socket.Dispose();
            return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, "The local agent cannot be reached.");
        }
        return ChannelOpenDecision.Accept(channel =>
        {
            _ = ChannelPump.RunAsync(channel, socket);
            return true;
        });
    }
}
