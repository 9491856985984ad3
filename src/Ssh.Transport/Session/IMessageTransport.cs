using Ssh.Transport.Messages;

namespace Ssh.Transport.Session;

/// <summary>
/// The transport as the connection protocol (RFC 4254) sees it, like x/crypto's <c>packetConn</c>: send a message,
/// and know whether the connection is still up. <see cref="SshSession"/> is the real one; the connection layer's
/// tests put an in-memory pipe of messages here, with no keys and no socket.
/// </summary>
internal interface IMessageTransport
{
    /// <summary>Sends one message. Messages go out in the order of the calls that send them.</summary>
    ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage;

    /// <summary>True until the connection starts closing.</summary>
    bool IsConnected { get; }

    /// <summary>Why the connection closed; null while it is up.</summary>
    Exception? CloseReason { get; }

    /// <summary>Cancelled when the connection closes: the token for work done on the connection's behalf.</summary>
    CancellationToken Lifetime { get; }
}
