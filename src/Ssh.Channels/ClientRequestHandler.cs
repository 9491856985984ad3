using Ssh.Channels.Forwarding;
using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>What a client decides about the server's requests: the channels the server opens for our remote forwards
/// are let in (<see cref="RemoteForwardTable"/>), and agent channels once agent forwarding is enabled
/// (<see cref="AgentForwarding"/>); every other channel, channel request and global request (OpenSSH's
/// <c>hostkeys-00@openssh.com</c>, keepalives) is refused, as RFC 4254 §4 and §5.4 ask for what we do not serve.</summary>
internal sealed class ClientRequestHandler(RemoteForwardTable remoteForwards, AgentForwarding agent) : IConnectionRequestHandler
{
    public ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken cancellationToken) =>
        request.ChannelType switch
        {
            ChannelTypes.ForwardedTcpip or ChannelTypes.ForwardedStreamLocal => ValueTask.FromResult(remoteForwards.Decide(request)),
            ChannelTypes.AuthAgent => agent.DecideAsync(cancellationToken),
            _ => ValueTask.FromResult(ChannelOpenDecision.Refuse(ChannelOpenFailureReason.AdministrativelyProhibited,
                $"{request.ChannelType} channels are not accepted here.")),
        };

    public ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);

    public void OnChannelRequestAccepted(Channel channel, ChannelRequest request) { }

    public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<byte[]?>(null);

    public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted) { }
}
