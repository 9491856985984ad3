using Microsoft.Extensions.Logging;
using Ssh.Transport;

namespace Ssh.Channels.Diagnostics;

/// <summary>
/// The connection protocol's log events (category <c>Ssh.Channels</c>): channel opens (ours and the peer's), their
/// answers, closes, exit statuses, channel and global requests by name. Never channel data, a command line or an
/// environment value: a request appears by its type only. Nothing here runs per data packet.
/// </summary>
internal static partial class ChannelLog
{
    public const string Category = "Ssh.Channels";

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "channel {Channel}: new {ChannelType}")]
    public static partial void Opening(ILogger logger, uint channel, string channelType);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "channel {Channel}: open confirmed (remote channel {RemoteChannel}, window {Window}, max packet {MaxPacket})")]
    public static partial void OpenConfirmed(ILogger logger, uint channel, uint remoteChannel, uint window, uint maxPacket);

    [LoggerMessage(EventId = 302, Level = LogLevel.Debug, Message = "channel {Channel}: open failed: {Reason}: {Description}")]
    public static partial void OpenFailed(ILogger logger, uint channel, ChannelOpenFailureReason reason, string description);

    [LoggerMessage(EventId = 303, Level = LogLevel.Debug, Message = "Peer opens a {ChannelType} channel (its channel {RemoteChannel})")]
    public static partial void PeerOpening(ILogger logger, string channelType, uint remoteChannel);

    [LoggerMessage(EventId = 304, Level = LogLevel.Debug, Message = "channel {Channel}: accepted {ChannelType} from the peer (remote channel {RemoteChannel})")]
    public static partial void PeerOpenAccepted(ILogger logger, uint channel, string channelType, uint remoteChannel);

    [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Refused the peer's {ChannelType} channel: {Reason}: {Description}")]
    public static partial void PeerOpenRefused(ILogger logger, string channelType, ChannelOpenFailureReason reason, string description);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "channel {Channel}: closed ({ChannelType})")]
    public static partial void Closed(ILogger logger, uint channel, string channelType);

    [LoggerMessage(EventId = 310, Level = LogLevel.Trace, Message = "channel {Channel}: request {RequestType} sent (want reply {WantReply})")]
    public static partial void RequestSent(ILogger logger, uint channel, string requestType, bool wantReply);

    [LoggerMessage(EventId = 311, Level = LogLevel.Trace, Message = "channel {Channel}: request {RequestType} from the peer (want reply {WantReply})")]
    public static partial void RequestReceived(ILogger logger, uint channel, string requestType, bool wantReply);

    [LoggerMessage(EventId = 312, Level = LogLevel.Debug, Message = "channel {Channel}: exit status {ExitStatus}")]
    public static partial void ExitStatus(ILogger logger, uint channel, int exitStatus);

    [LoggerMessage(EventId = 313, Level = LogLevel.Debug, Message = "channel {Channel}: exit signal {Signal} (core dumped: {CoreDumped})")]
    public static partial void ExitSignal(ILogger logger, uint channel, string signal, bool coreDumped);

    [LoggerMessage(EventId = 320, Level = LogLevel.Trace, Message = "Global request {RequestName} sent (want reply {WantReply})")]
    public static partial void GlobalRequestSent(ILogger logger, string requestName, bool wantReply);

    [LoggerMessage(EventId = 321, Level = LogLevel.Trace, Message = "Global request {RequestName} from the peer (want reply {WantReply})")]
    public static partial void GlobalRequestReceived(ILogger logger, string requestName, bool wantReply);
}
