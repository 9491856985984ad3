using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

/// <summary>
/// An SFTP request failed with a status the server sent (or the client decided, for a lost connection). Missing
/// files surface as <see cref="FileNotFoundException"/> and refusals as <see cref="UnauthorizedAccessException"/>
/// instead (see <see cref="FromStatus"/>); every other status is this exception, carrying the code and the server's
/// message.
/// </summary>
public class SftpException : IOException
{
    /// <summary>An error with a status code and a message.</summary>
    public SftpException(SftpStatusCode code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    /// <summary>The SSH_FXP_STATUS code.</summary>
    public SftpStatusCode Code { get; }

    /// <summary>The exception a .NET caller expects for a status: <see cref="FileNotFoundException"/> for
    /// NO_SUCH_FILE, <see cref="UnauthorizedAccessException"/> for PERMISSION_DENIED, otherwise an
    /// <see cref="SftpException"/>. The message names the path and quotes the server's text.</summary>
    public static Exception FromStatus(SftpStatusCode code, string serverMessage, string? path = null)
    {
        string text = Sanitize(serverMessage);
        string subject = path is null ? "" : $"{path}: ";
        return code switch
        {
            SftpStatusCode.NoSuchFile => new FileNotFoundException(
                $"{subject}no such file (the server said: {(text.Length > 0 ? text : "No such file")}).", path),
            SftpStatusCode.PermissionDenied => new UnauthorizedAccessException(
                $"{subject}permission denied (the server said: {(text.Length > 0 ? text : "Permission denied")})."),
            _ => new SftpException(code, $"{subject}{Describe(code)}{(text.Length > 0 ? $" (the server said: {text})" : "")}."),
        };
    }

    /// <summary>A short English phrase for a status code.</summary>
    public static string Describe(SftpStatusCode code) => code switch
    {
        SftpStatusCode.Ok => "success",
        SftpStatusCode.Eof => "end of file",
        SftpStatusCode.NoSuchFile => "no such file",
        SftpStatusCode.PermissionDenied => "permission denied",
        SftpStatusCode.Failure => "the operation failed",
        SftpStatusCode.BadMessage => "the server found the request malformed",
        SftpStatusCode.NoConnection => "no connection to the server",
        SftpStatusCode.ConnectionLost => "the connection to the server was lost",
        SftpStatusCode.OpUnsupported => "the server does not support this operation",
        _ => $"status {(uint)code}",
    };

    /// <summary>Keeps a peer's text printable and short, so it cannot forge log lines or flood them.</summary>
    internal static string Sanitize(string text)
    {
        if (text.Length > 256) text = text[..256] + "...";
        return string.Create(text.Length, text, (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }
}

/// <summary>The peer broke the SFTP protocol: a malformed or truncated packet, an unknown reply, a length beyond
/// the limit. The session that saw it ends; the SSH connection stays up.</summary>
public sealed class SftpProtocolException : SftpException
{
    /// <summary>A protocol violation, described in plain English.</summary>
    public SftpProtocolException(string message) : base(SftpStatusCode.BadMessage, message) { }
}
