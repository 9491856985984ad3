using Ssh.Sftp;

namespace Ssh.Client;

public sealed partial class SshClient
{
    /// <summary>paramiko's <c>open_sftp</c>: an SFTP session on a new channel of this connection.</summary>
    public Task<SftpClient> OpenSftpAsync(CancellationToken cancellationToken = default) =>
        SftpClient.FromTransportAsync(GetTransport() ?? throw new InvalidOperationException("Connect first."), cancellationToken);

    /// <summary>paramiko's <c>open_sftp</c>.</summary>
    public SftpClient OpenSftp() => OpenSftpAsync().GetAwaiter().GetResult();
}
