using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Sftp;

namespace Ssh.InteropTests.Sftp;

/// <summary>Our <see cref="SftpClient"/> against OpenSSH's sftp-server, through Debian's sshd.</summary>
[TestFixture]
public sealed class SftpClientAgainstSshdTests : SharedServerFixture
{
    private const int TimeoutMs = 120_000;

    private async Task<(SshClient Ssh, SftpClient Sftp, string Dir)> OpenAsync(CancellationToken ct)
    {
        SshClient ssh = await ClientTestSupport.ConnectAsync(Target, cancellationToken: ct);
        SftpClient sftp = await ssh.OpenSftpAsync(ct);
        string dir = $"sftp-interop-{Guid.NewGuid():N}";
        await sftp.MkdirAsync(dir, cancellationToken: ct);
        return (ssh, sftp, dir);
    }

    private static async Task RemoveTreeAsync(SftpClient sftp, string dir, CancellationToken ct)
    {
        foreach (SftpAttributes entry in await sftp.ListDirAttrAsync(dir, ct))
        {
            string path = dir + "/" + entry.FileName;
            if (entry.IsDirectory) await RemoveTreeAsync(sftp, path, ct);
            else await sftp.RemoveAsync(path, ct);
        }
        await sftp.RmdirAsync(dir, ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Handshake_SeesOpenSshExtensionsAndLimits(CancellationToken ct)
    {
        var (ssh, sftp, dir) = await OpenAsync(ct);
        using (ssh)
        await using (sftp)
        {
            Assert.That(sftp.Extensions.Keys, Is.SupersetOf(new[] { "posix-rename@openssh.com", "statvfs@openssh.com", "hardlink@openssh.com", "fsync@openssh.com" }));
            Assert.That(sftp.WriteChunkSize, Is.GreaterThanOrEqualTo(32 * 1024));
            await sftp.RmdirAsync(dir, ct);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task PutAndGet_64MiB_Sha256Checked(CancellationToken ct)
    {
        var (ssh, sftp, dir) = await OpenAsync(ct);
        string local = Directory.CreateTempSubdirectory("sftp-interop-").FullName;
        try
        {
            using (ssh)
            await using (sftp)
            {
                string source = Path.Combine(local, "source");
                byte[] data = new byte[64 << 20];
                new Random(9).NextBytes(data);
                await File.WriteAllBytesAsync(source, data, ct);
                SftpAttributes put = await sftp.PutAsync(source, dir + "/big", cancellationToken: ct);
                Assert.That(put.Size, Is.EqualTo(data.Length));
                string back = Path.Combine(local, "back");
                await sftp.GetAsync(dir + "/big", back, cancellationToken: ct);
                Assert.That(SHA256.HashData(File.ReadAllBytes(back)), Is.EqualTo(SHA256.HashData(data)));
                await RemoveTreeAsync(sftp, dir, ct);
            }
        }
        finally
        {
            Directory.Delete(local, recursive: true);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task PathOperations_AndExtensions(CancellationToken ct)
    {
        var (ssh, sftp, dir) = await OpenAsync(ct);
        using (ssh)
        await using (sftp)
        {
            await sftp.PutFoAsync(new MemoryStream("hello sftp"u8.ToArray()), dir + "/a.txt", cancellationToken: ct);
            await sftp.ChmodAsync(dir + "/a.txt", 0x180, ct);
            Assert.That((await sftp.StatAsync(dir + "/a.txt", ct)).Mode & 0xFFF, Is.EqualTo(0x180));
            await sftp.SymlinkAsync("a.txt", dir + "/link", ct);
            Assert.That(await sftp.ReadLinkAsync(dir + "/link", ct), Is.EqualTo("a.txt"));
            Assert.That((await sftp.LStatAsync(dir + "/link", ct)).IsSymbolicLink, Is.True);
            await sftp.RenameAsync(dir + "/a.txt", dir + "/b.txt", ct);
            await sftp.PutFoAsync(new MemoryStream([1, 2]), dir + "/c.txt", cancellationToken: ct);
            Assert.ThrowsAsync<SftpException>(() => sftp.RenameAsync(dir + "/b.txt", dir + "/c.txt", ct));
            await sftp.PosixRenameAsync(dir + "/b.txt", dir + "/c.txt", ct);
            await sftp.HardlinkAsync(dir + "/c.txt", dir + "/d.txt", ct);
            await using (SftpFile f = await sftp.OpenAsync(dir + "/d.txt", "a", cancellationToken: ct))
            {
                await f.WriteAsync("!"u8.ToArray(), ct);
                await f.FsyncAsync(ct);
            }
            var back = new MemoryStream();
            await sftp.GetFoAsync(dir + "/c.txt", back, cancellationToken: ct);
            Assert.That(back.ToArray(), Is.EqualTo("hello sftp!"u8.ToArray()));
            Assert.That((await sftp.StatVfsAsync(dir, ct)).FragmentSize, Is.GreaterThan(0));
            Assert.That(await sftp.NormalizeAsync(dir, ct), Is.EqualTo($"{TestUser.Home}/{dir}").Or.EndsWith("/" + dir));
            Assert.That((await sftp.ListDirAsync(dir, ct)).Order(), Is.EqualTo(new[] { "c.txt", "d.txt", "link" }));

            Assert.ThrowsAsync<FileNotFoundException>(() => sftp.StatAsync(dir + "/missing", ct));
            Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.OpenAsync("/root/sshcs-forbidden", "w", cancellationToken: ct));
            await RemoveTreeAsync(sftp, dir, ct);
        }
    }
}
