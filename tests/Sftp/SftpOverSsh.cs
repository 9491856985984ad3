using Ssh.Client;
using Ssh.Server;
using Ssh.Sftp;

namespace Ssh.Tests.Sftp;

/// <summary>Our SftpClient over a real SSH connection on loopback to TestSshServer's built-in SFTP server serving
/// <c>root</c>; disposing closes all three.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SftpOverSsh(TestSshServer server, SshClient client, SftpClient sftp) : IAsyncDisposable
{
    public SftpClient Sftp => sftp;

    public static async Task<SftpOverSsh> ConnectAsync(string root, CancellationToken ct)
    {
        TestSshServer started = TestSshServer.Start(sftpRoot: root);
        var connected = new SshClient();
        try
        {
            connected.SetMissingHostKeyPolicy(new AutoAddPolicy());
            await connected.ConnectAsync(started.Host, started.Port, started.User, started.Password, allowAgent: false, lookForKeys: false, cancellationToken: ct);
            return new SftpOverSsh(started, connected, await connected.OpenSftpAsync(ct));
        }
        catch
        {
            connected.Dispose();
            await started.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await sftp.DisposeAsync();
        client.Dispose();
        await server.DisposeAsync();
    }
}
