using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;
using Ssh.Sftp;

namespace Ssh.Tests.Client;

/// <summary>On Linux the connection's read loop runs on its socket reader thread. No async call may resume its caller
/// there: the caller's next blocking call (a sync twin after an async call, as paramiko-style scripts mix them) would
/// keep that thread from ever reading the reply it waits for. Each await below checks the thread, then makes a
/// blocking call on the same connection.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ResumeThreadTests
{
    private const string ReaderThread = "sshcs socket reader";

    private static void AssertNotOnReaderThread(string after) =>
        Assert.That(Thread.CurrentThread.Name, Is.Not.EqualTo(ReaderThread), $"resumed on the reader thread after {after}");

    [Test, CancelAfter(60_000)]
    public async Task Async_calls_resume_their_callers_off_the_reader_thread(CancellationToken ct)
    {
        string root = Directory.CreateTempSubdirectory("resume-threads-").FullName;
        try
        {
            await using TestSshServer server = TestSshServer.Start(sftpRoot: root);

            await using (SshTransport transport = await SshTransport.ConnectAsync(server.Host, server.Port, cancellationToken: ct).ConfigureAwait(false))
            {
                AssertNotOnReaderThread("SshTransport.ConnectAsync");
                await transport.StartClientAsync(cancellationToken: ct).ConfigureAwait(false);
                AssertNotOnReaderThread("StartClientAsync");
                await transport.AuthPasswordAsync(server.User, server.Password!, ct).ConfigureAwait(false);
                AssertNotOnReaderThread("AuthPasswordAsync");
                Channel channel = await transport.OpenSessionAsync(ct).ConfigureAwait(false);
                AssertNotOnReaderThread("OpenSessionAsync");
                await channel.ExecCommandAsync("echo hello", ct).ConfigureAwait(false);
                AssertNotOnReaderThread("ExecCommandAsync");
                byte[] buffer = new byte[64];
                int n = await channel.ReadAsync(buffer, ct).ConfigureAwait(false);
                AssertNotOnReaderThread("Channel.ReadAsync");
                Assert.That(n, Is.GreaterThan(0));
                Assert.That(channel.RecvExitStatus(), Is.Zero); // blocking, on the thread we resumed on
                int status = await channel.RecvExitStatusAsync(ct).ConfigureAwait(false);
                AssertNotOnReaderThread("RecvExitStatusAsync");
                Assert.That(status, Is.Zero);
            }

            using var client = new SshClient();
            client.SetMissingHostKeyPolicy(new AutoAddPolicy());
            await client.ConnectAsync(server.Host, server.Port, server.User, server.Password, allowAgent: false, lookForKeys: false, cancellationToken: ct).ConfigureAwait(false);
            AssertNotOnReaderThread("SshClient.ConnectAsync");
            var (_, stdout, _) = client.ExecCommand("echo sync after async");
            Assert.That(stdout.ReadToEnd().Trim(), Is.EqualTo("sync after async"));
            var (_, asyncOut, _) = await client.ExecCommandAsync("echo async", cancellationToken: ct).ConfigureAwait(false);
            AssertNotOnReaderThread("SshClient.ExecCommandAsync");
            Assert.That(asyncOut.ReadToEnd().Trim(), Is.EqualTo("async"));
            await using SftpClient sftp = await client.OpenSftpAsync(ct).ConfigureAwait(false);
            AssertNotOnReaderThread("OpenSftpAsync");
            await sftp.MkdirAsync("/d", cancellationToken: ct).ConfigureAwait(false);
            AssertNotOnReaderThread("SftpClient.MkdirAsync");
            Assert.That(sftp.ListDir("/"), Does.Contain("d"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
