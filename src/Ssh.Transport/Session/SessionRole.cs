namespace Ssh.Transport.Session;

public enum SessionRole
{
    Client,
    Server,
}

/// <summary>Receives connection-protocol messages (RFC 4254, numbers 80–127) once the user is authenticated.
/// Called from the session's read loop: it must not wait on the application, only hand data over.</summary>
internal interface IConnectionHandler
{
    ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>The session ended; <paramref name="reason"/> says why (null for an orderly close).</summary>
    void OnSessionClosed(Exception? reason);
}
