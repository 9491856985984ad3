namespace Ssh.Sftp.Protocol;

/// <summary>The status codes of an SSH_FXP_STATUS reply (draft-ietf-secsh-filexfer-02 §7).</summary>
public enum SftpStatusCode : uint
{
    /// <summary>SSH_FX_OK: the request succeeded.</summary>
    Ok = 0,

    /// <summary>SSH_FX_EOF: end of file, or no more directory entries.</summary>
    Eof = 1,

    /// <summary>SSH_FX_NO_SUCH_FILE: a path that does not exist.</summary>
    NoSuchFile = 2,

    /// <summary>SSH_FX_PERMISSION_DENIED: the user may not do this.</summary>
    PermissionDenied = 3,

    /// <summary>SSH_FX_FAILURE: any other error; the message says which.</summary>
    Failure = 4,

    /// <summary>SSH_FX_BAD_MESSAGE: a badly formed packet or argument.</summary>
    BadMessage = 5,

    /// <summary>SSH_FX_NO_CONNECTION: a client-side code for "no connection to the server".</summary>
    NoConnection = 6,

    /// <summary>SSH_FX_CONNECTION_LOST: a client-side code for "the connection was lost".</summary>
    ConnectionLost = 7,

    /// <summary>SSH_FX_OP_UNSUPPORTED: the server does not implement this operation.</summary>
    OpUnsupported = 8,
}
