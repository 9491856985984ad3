using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Channels;

/// <summary>A channel could not be opened, or a channel request was refused.</summary>
public class ChannelException : SshException
{
    public ChannelException(string message, ChannelOpenFailureReason? reason = null) : base(message) => Reason = reason;

    /// <summary>The RFC 4254 §5.1 reason code when the open failed.</summary>
    public ChannelOpenFailureReason? Reason { get; }
}
