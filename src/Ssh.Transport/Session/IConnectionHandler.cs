namespace Ssh.Transport.Session;

/// <summary>Receives connection-protocol messages (RFC 4254, numbers 80–127) once the user is authenticated.
/// Called from the session's read loop: it must not wait on the application, only hand data over and send
/// the replies the protocol requires.</summary>
internal interface IConnectionHandler
{
    /// <summary>Handles one message; false when its number means nothing to the connection protocol, so the
    /// session answers UNIMPLEMENTED (RFC 4253 §11.4) — the one place that does.</summary>
    ValueTask<bool> HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The read loop has nothing more to take in at once and is about to wait (for the socket, or on
    /// something a message needs): whatever it held back for the application (<c>DeferredWakeups</c>) goes now.</summary>
    void OnReadIdle();

    /// <summary>The session ended; <paramref name="reason"/> says why (null for an orderly close).</summary>
    void OnSessionClosed(Exception? reason);
}
