using System.Text;
using NUnit.Framework;
using Ssh.Sftp;
using Ssh.Sftp.Protocol;
using Ssh.Sftp.Server;

namespace Ssh.Tests.Sftp;

/// <summary>SshClient.OpenSftp against TestSshServer's built-in SFTP server with a root directory: every way out
/// of the root is refused, over a real SSH connection on loopback.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SftpJailTests
{
    private string _root = null!;
    private string _outside = null!;

    [SetUp]
    public void SetUp()
    {
        _outside = Directory.CreateTempSubdirectory("sftp-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "secret"), "secret");
        _root = Directory.CreateTempSubdirectory("sftp-jail-").FullName;
        File.WriteAllText(Path.Combine(_root, "inside.txt"), "inside");
        File.CreateSymbolicLink(Path.Combine(_root, "abs-out"), Path.Combine(_outside, "secret"));
        File.CreateSymbolicLink(Path.Combine(_root, "rel-out"), Path.GetRelativePath(_root, Path.Combine(_outside, "secret")));
        Directory.CreateSymbolicLink(Path.Combine(_root, "dir-out"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "ok-link"), "inside.txt");
    }

    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Test, CancelAfter(30_000)]
    public async Task EveryEscapeIsRefused(CancellationToken ct)
    {
        await using SftpOverSsh session = await SftpOverSsh.ConnectAsync(_root, ct);
        SftpClient sftp = session.Sftp;
        Assert.That(await sftp.NormalizeAsync(".", ct), Is.EqualTo("/"));
        Assert.That(await sftp.NormalizeAsync("../../..", ct), Is.EqualTo("/"));
        Assert.That(Encoding.UTF8.GetString(await (await sftp.OpenAsync("../../inside.txt", cancellationToken: ct)).ReadAsync(-1, ct)), Is.EqualTo("inside"));
        Assert.That(Encoding.UTF8.GetString(await (await sftp.OpenAsync("/ok-link", cancellationToken: ct)).ReadAsync(-1, ct)), Is.EqualTo("inside"));

        // Absolute paths start at the root: the real /etc/passwd is not there.
        Assert.ThrowsAsync<FileNotFoundException>(() => sftp.StatAsync("/etc/passwd", ct));
        Assert.ThrowsAsync<FileNotFoundException>(() => sftp.StatAsync("../../../../etc/passwd", ct));
        // Links that lead outside, absolute or relative, to a file or through a directory.
        foreach (string link in new[] { "/abs-out", "/rel-out", "/dir-out/secret" })
        {
            Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.OpenAsync(link, cancellationToken: ct), link);
            Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.StatAsync(link, ct), link);
        }
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.OpenAsync("/dir-out/new", "w", cancellationToken: ct));
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.ListDirAsync("/dir-out", ct));
        Assert.That(File.Exists(Path.Combine(_outside, "new")), Is.False);
        // LSTAT of the link itself is fine: it is inside.
        Assert.That((await sftp.LStatAsync("/abs-out", ct)).IsSymbolicLink, Is.True);
        // New links may not point outside; an absolute target is taken inside the root.
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.SymlinkAsync("../../etc/passwd", "/new-out", ct));
        await sftp.SymlinkAsync("/inside.txt", "/new-in", ct);
        Assert.That(await sftp.ReadLinkAsync("/new-in", ct), Is.EqualTo("inside.txt"));
        Assert.That((await sftp.StatAsync("/new-in", ct)).Size, Is.EqualTo(6));
        // NUL in a name.
        Assert.That(Assert.ThrowsAsync<SftpException>(() => sftp.StatAsync("inside.txt\0/../x", ct))!.Code, Is.EqualTo(Ssh.Sftp.Protocol.SftpStatusCode.BadMessage));
        // Renames and hard links stay inside too.
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.RenameAsync("/inside.txt", "/dir-out/moved", ct));
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.HardlinkAsync("/dir-out/secret", "/stolen", ct));
        Assert.That(File.ReadAllText(Path.Combine(_outside, "secret")), Is.EqualTo("secret"));
    }

    [TestCase(true), TestCase(false)]
    public async Task TheFileSystem_RefusesEscapes_WithAndWithoutOpenat2(bool openat2)
    {
        using LocalFileSystem fs = LocalFileSystem.CreateJail(_root);
        fs.UseOpenat2 = openat2;
        var create = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate;
        foreach (string path in new[] { "/abs-out", "/rel-out", "/dir-out/secret" })
        {
            var stat = Assert.ThrowsAsync<SftpException>(async () => await fs.StatAsync(path, followLinks: true, CancellationToken.None), path)!;
            Assert.That(stat.Code, Is.EqualTo(SftpStatusCode.PermissionDenied), path);
            Assert.ThrowsAsync<SftpException>(async () => await fs.OpenFileAsync(path, create, new SftpAttributes(), CancellationToken.None), path);
        }
        Assert.ThrowsAsync<SftpException>(async () => await fs.OpenFileAsync("/dir-out/new", create, new SftpAttributes(), CancellationToken.None));
        Assert.That(File.ReadAllText(Path.Combine(_outside, "secret")), Is.EqualTo("secret"));
        Assert.That(File.Exists(Path.Combine(_outside, "new")), Is.False);
        await using (ISftpFileHandle inside = await fs.OpenFileAsync("/made-inside", create, new SftpAttributes(), CancellationToken.None))
            await inside.WriteAsync(0, "ok"u8.ToArray(), CancellationToken.None);
        Assert.That(File.ReadAllText(Path.Combine(_root, "made-inside")), Is.EqualTo("ok"));
        Assert.That(await fs.RealPathAsync("/ok-link", CancellationToken.None), Is.EqualTo("/inside.txt"));
    }
}
