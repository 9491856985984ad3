namespace Ssh.Channels;

/// <summary>
/// What the application decides about the requests of the connection protocol (RFC 4254) that the peer makes:
/// opening channels, requests on a channel (exec, shell, pty-req, env, ...), and global requests (tcpip-forward,
/// ...). The server front-end adapts paramiko's <c>ServerInterface</c> to this; any other front-end can do the same
/// through <see cref="SshTransport.StartServerAsync"/>.
/// </summary>
/// <remarks>
/// Every method runs off the connection's read loop, so a slow decision never stalls another channel or a key
/// exchange. Replies still go out in the order RFC 4254 requires: a channel's requests are answered in the order
/// they came (§5.4), and so are global requests (§4); channel opens may be answered in any order (§5.1). A method
/// that throws counts as a refusal.
/// </remarks>
public interface IConnectionRequestHandler
{
    /// <summary>Decides on a channel the peer wants to open (SSH_MSG_CHANNEL_OPEN, RFC 4254 §5.1).</summary>
    ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken cancellationToken);

    /// <summary>Decides on a request on an open channel (SSH_MSG_CHANNEL_REQUEST, RFC 4254 §5.4): true to accept.
    /// Requests of one channel are decided one at a time, in order.</summary>
    ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken cancellationToken);

    /// <summary>Called once the reply to an accepted channel request is on its way: the place to start what it asked
    /// for (run the command of an "exec"), so that nothing the channel sends overtakes the reply.</summary>
    void OnChannelRequestAccepted(Channel channel, ChannelRequest request);

    /// <summary>Decides on a global request (SSH_MSG_GLOBAL_REQUEST, RFC 4254 §4): the data of the success reply
    /// (empty for none), or null to refuse. Global requests are decided one at a time, in order.</summary>
    ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken cancellationToken);

    /// <summary>Called once the reply to a global request is on its way (accepted or not): what it set up (a remote
    /// forward's listener) may start, and its first channel will not overtake the reply (RFC 4254 §7.1).</summary>
    void OnGlobalRequestAnswered(GlobalRequest request, bool accepted);
}
