namespace Ssh.Channels;

/// <summary>A request the peer made on a channel: the fields of SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4).</summary>
/// <param name="RequestType">"exec", "shell", "pty-req", "env", "subsystem", "window-change", "signal", ...</param>
/// <param name="WantReply">Whether the peer waits for SSH_MSG_CHANNEL_SUCCESS or FAILURE.</param>
/// <param name="Data">The type-specific data that follows (RFC 4254 §6).</param>
public sealed record ChannelRequest(string RequestType, bool WantReply, ReadOnlyMemory<byte> Data);
