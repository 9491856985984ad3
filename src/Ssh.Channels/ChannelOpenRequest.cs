namespace Ssh.Channels;

/// <summary>A channel the peer wants to open: the fields of SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1).</summary>
/// <param name="ChannelType">The channel type: "session", "direct-tcpip", "forwarded-tcpip", ... (see <see cref="ChannelTypes"/>).</param>
/// <param name="SenderChannel">The peer's number for the channel; the channel's <see cref="Channel.RemoteId"/> once it is open.</param>
/// <param name="InitialWindowSize">How many bytes the peer lets us send before it adjusts the window.</param>
/// <param name="MaximumPacketSize">The largest data packet the peer accepts.</param>
/// <param name="Data">The type-specific data that follows (RFC 4254 §6.1, §7.1, §7.2; OpenSSH PROTOCOL §2.4).</param>
public sealed record ChannelOpenRequest(string ChannelType, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize,
    ReadOnlyMemory<byte> Data);
