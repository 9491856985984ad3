using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Client;
using Ssh.Server;
using Ssh.Sftp;

namespace Ssh.Tests.Sftp;

/// <summary>Several SSH connections moving files through one server at once: no session may see another's bytes.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SftpStressTests
{
    [Test, CancelAfter(60_000)]
    public async Task ParallelSessions_KeepTheirBytesApart(CancellationToken ct)
    {
        string root = Directory.CreateTempSubdirectory("sftp-stress-").FullName;
        try
        {
            await using TestSshServer server = TestSshServer.Start(sftpRoot: root);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async n =>
            {
                using var client = new SshClient();
                client.SetMissingHostKeyPolicy(new AutoAddPolicy());
                await client.ConnectAsync(server.Host, server.Port, server.User, server.Password, allowAgent: false, lookForKeys: false, cancellationToken: ct);
                await using SftpClient sftp = await client.OpenSftpAsync(ct);
                sftp.ReadChunkSize = sftp.WriteChunkSize = 32 * 1024;
                byte[] data = new byte[5_000_000];
                new Random(n).NextBytes(data);
                for (int round = 0; round < 3; round++)
                {
                    await sftp.PutFoAsync(new MemoryStream(data), $"/f{n}", cancellationToken: ct);
                    Assert.That(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, $"f{n}"))), Is.EqualTo(SHA256.HashData(data)), $"upload {n}/{round}");
                    var back = new MemoryStream();
                    await sftp.GetFoAsync($"/f{n}", back, cancellationToken: ct);
                    Assert.That(SHA256.HashData(back.ToArray()), Is.EqualTo(SHA256.HashData(data)), $"download {n}/{round}");
                }
            }));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
