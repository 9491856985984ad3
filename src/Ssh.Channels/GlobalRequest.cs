namespace Ssh.Channels;

/// <summary>A global request the peer made: the fields of SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4).</summary>
/// <param name="Name">"tcpip-forward", "cancel-tcpip-forward", "keepalive@openssh.com", ...</param>
/// <param name="WantReply">Whether the peer waits for SSH_MSG_REQUEST_SUCCESS or FAILURE.</param>
/// <param name="Data">The request-specific data that follows (RFC 4254 §7.1; OpenSSH PROTOCOL §2.4, §2.5).</param>
public sealed record GlobalRequest(string Name, bool WantReply, ReadOnlyMemory<byte> Data);
