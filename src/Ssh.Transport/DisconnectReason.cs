namespace Ssh.Transport;

/// <summary>The reason codes of SSH_MSG_DISCONNECT (RFC 4253 §11.1, RFC 4250 §4.2.2), carried by
/// <see cref="SshProtocolException.Reason"/>.</summary>
public enum DisconnectReason : uint
{
    /// <summary>No reason code: 0 is not one RFC 4250 assigns.</summary>
    None = 0,

    /// <summary>SSH_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT.</summary>
    HostNotAllowedToConnect = 1,

    /// <summary>SSH_DISCONNECT_PROTOCOL_ERROR: a malformed or unexpected message.</summary>
    ProtocolError = 2,

    /// <summary>SSH_DISCONNECT_KEY_EXCHANGE_FAILED: no common algorithm, or the exchange itself failed.</summary>
    KeyExchangeFailed = 3,

    /// <summary>SSH_DISCONNECT_RESERVED (formerly HOST_AUTHENTICATION_FAILED).</summary>
    Reserved = 4,

    /// <summary>SSH_DISCONNECT_MAC_ERROR: a packet failed authentication (MAC or AEAD tag).</summary>
    MacError = 5,

    /// <summary>SSH_DISCONNECT_COMPRESSION_ERROR.</summary>
    CompressionError = 6,

    /// <summary>SSH_DISCONNECT_SERVICE_NOT_AVAILABLE: the requested service (ssh-userauth, ssh-connection) is not offered.</summary>
    ServiceNotAvailable = 7,

    /// <summary>SSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED: the peer does not speak SSH-2.0.</summary>
    ProtocolVersionNotSupported = 8,

    /// <summary>SSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE: the server's host key was refused.</summary>
    HostKeyNotVerifiable = 9,

    /// <summary>SSH_DISCONNECT_CONNECTION_LOST.</summary>
    ConnectionLost = 10,

    /// <summary>SSH_DISCONNECT_BY_APPLICATION: an ordinary close by the application.</summary>
    ByApplication = 11,

    /// <summary>SSH_DISCONNECT_TOO_MANY_CONNECTIONS: a server's connection limit was reached.</summary>
    TooManyConnections = 12,

    /// <summary>SSH_DISCONNECT_AUTH_CANCELLED_BY_USER.</summary>
    AuthCancelledByUser = 13,

    /// <summary>SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE: every authentication attempt allowed was used up.</summary>
    NoMoreAuthMethodsAvailable = 14,

    /// <summary>SSH_DISCONNECT_ILLEGAL_USER_NAME.</summary>
    IllegalUserName = 15,
}
