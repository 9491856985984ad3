using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Channels;

/// <summary>A channel could not be opened, or a channel request was refused.</summary>
public class ChannelException : SshException
{
    /// <summary>Creates the error; <paramref name="reason"/> is the peer's CHANNEL_OPEN_FAILURE code, null when a
    /// request (not an open) failed.</summary>
    public ChannelException(string message, ChannelOpenFailureReason? reason = null) : base(message) => Reason = reason;

    /// <summary>The RFC 4254 §5.1 reason code when a channel open failed; null when a channel request was refused.</summary>
    public ChannelOpenFailureReason? Reason { get; }
}
