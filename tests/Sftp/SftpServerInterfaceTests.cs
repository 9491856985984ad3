using NUnit.Framework;
using Ssh.Sftp;
using Ssh.Sftp.Protocol;
using Ssh.Sftp.Server;

namespace Ssh.Tests.Sftp;

/// <summary>paramiko-style callbacks (<see cref="SftpServerInterface"/>) served to our client.</summary>
public sealed class SftpServerInterfaceTests
{
    /// <summary>One read-only file, "/hello.txt", as a paramiko user would write it.</summary>
    private sealed class HelloServer : SftpServerInterface
    {
        public static readonly byte[] Content = "hello from callbacks\n"u8.ToArray();

        private static SftpAttributes File() => new() { Size = Content.Length, Mode = SftpAttributes.TypeRegular | 0x124, MTime = 1_700_000_000, ATime = 1_700_000_000 };

        public override SftpAttributes Stat(string path) => path switch
        {
            "/" => new SftpAttributes { Mode = SftpAttributes.TypeDirectory | 0x16D },
            "/hello.txt" => File(),
            _ => throw new SftpException(SftpStatusCode.NoSuchFile, "No such file"),
        };

        public override IEnumerable<SftpAttributes> ListFolder(string path)
        {
            SftpAttributes entry = File();
            entry.FileName = "hello.txt";
            return path == "/" ? [entry] : throw new SftpException(SftpStatusCode.NoSuchFile, "No such file");
        }

        public override SftpHandle Open(string path, SftpOpenFlags flags, SftpAttributes attributes) =>
            path != "/hello.txt" ? throw new SftpException(SftpStatusCode.NoSuchFile, "No such file")
            : (flags & SftpOpenFlags.Write) != 0 ? throw new SftpException(SftpStatusCode.PermissionDenied, "Read-only")
            : new Handle();

        private sealed class Handle : SftpHandle
        {
            public override byte[] Read(long offset, int length) =>
                offset >= Content.Length ? [] : Content.AsSpan((int)offset, (int)Math.Min(length, Content.Length - offset)).ToArray();

            public override SftpAttributes Stat() => File();
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task CallbacksServeReadsListingsAndRefusals(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(new HelloServer(), ct);
        SftpClient c = pair.Client;
        Assert.That(await c.ListDirAsync("/", ct), Is.EqualTo(new[] { "hello.txt" }));
        Assert.That((await c.ListDirAttrAsync("/", ct))[0].LongName, Does.StartWith("-r--r--r--").And.EndWith("hello.txt"));
        var copy = new MemoryStream();
        await c.GetFoAsync("hello.txt", copy, cancellationToken: ct);
        Assert.That(copy.ToArray(), Is.EqualTo(HelloServer.Content));
        Assert.ThrowsAsync<FileNotFoundException>(() => c.StatAsync("/other", ct));
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => c.OpenAsync("/hello.txt", "w", cancellationToken: ct));
        Assert.That(Assert.ThrowsAsync<SftpException>(() => c.RemoveAsync("/hello.txt", ct))!.Code, Is.EqualTo(SftpStatusCode.OpUnsupported));
        Assert.That(Assert.ThrowsAsync<SftpException>(() => c.MkdirAsync("/d", cancellationToken: ct))!.Code, Is.EqualTo(SftpStatusCode.OpUnsupported));
    }
}
