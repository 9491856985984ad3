namespace Ssh.Sftp.Protocol;

/// <summary>The pflags of SSH_FXP_OPEN (draft-ietf-secsh-filexfer-02 §6.3).</summary>
[Flags]
public enum SftpOpenFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>SSH_FXF_READ: open for reading.</summary>
    Read = 0x01,

    /// <summary>SSH_FXF_WRITE: open for writing.</summary>
    Write = 0x02,

    /// <summary>SSH_FXF_APPEND: every write goes to the end of the file.</summary>
    Append = 0x04,

    /// <summary>SSH_FXF_CREAT: create the file when it does not exist.</summary>
    Create = 0x08,

    /// <summary>SSH_FXF_TRUNC: truncate an existing file (with <see cref="Create"/>).</summary>
    Truncate = 0x10,

    /// <summary>SSH_FXF_EXCL: fail when the file exists (with <see cref="Create"/>).</summary>
    Exclusive = 0x20,
}
