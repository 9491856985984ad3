using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.Sftp;
using Ssh.Sftp.Protocol;
using Ssh.Sftp.Server;

namespace Ssh.Tests.Sftp;

/// <summary>Our client against our server subsystem over an in-memory stream, on both file systems.</summary>
[TestFixture(typeof(MemoryFileSystem))]
[TestFixture(typeof(LocalFileSystem))]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SftpClientServerTests(Type fileSystemType)
{
    private string? _root;
    private ISftpFileSystem _fileSystem = null!;
    private string _local = null!;

    [SetUp]
    public void SetUp()
    {
        _local = Directory.CreateTempSubdirectory("sftp-local-").FullName;
        if (fileSystemType == typeof(LocalFileSystem))
        {
            _root = Directory.CreateTempSubdirectory("sftp-root-").FullName;
            _fileSystem = LocalFileSystem.CreateJail(_root);
        }
        else
        {
            _fileSystem = new MemoryFileSystem();
        }
    }

    [TearDown]
    public void TearDown()
    {
        (_fileSystem as IDisposable)?.Dispose();
        if (_root is not null) Directory.Delete(_root, recursive: true);
        Directory.Delete(_local, recursive: true);
    }

    private static byte[] RandomBytes(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    [Test, CancelAfter(20_000)]
    public async Task Version_AnnouncesOpenSshExtensionsAndLimits(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        Assert.That(pair.Client.ServerVersion, Is.EqualTo(3));
        Assert.That(pair.Client.Extensions.Keys, Is.SupersetOf(new[] { "posix-rename@openssh.com", "statvfs@openssh.com", "limits@openssh.com", "copy-data" }));
        Assert.That(pair.Client.Limits!.MaxPacketLength, Is.EqualTo(256 * 1024));
        Assert.That(pair.Client.ReadChunkSize, Is.EqualTo(255 * 1024));
    }

    [TestCase(0), TestCase(1), TestCase(255 * 1024), TestCase(3 * 1024 * 1024 + 17), CancelAfter(30_000)]
    public async Task PutThenGet_RoundTripsTheBytes(int size, CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = RandomBytes(size);
        string source = Path.Combine(_local, "source");
        await File.WriteAllBytesAsync(source, data, ct);
        var progress = new List<long>();
        SftpAttributes put = await pair.Client.PutAsync(source, "/file", (done, _) => progress.Add(done), cancellationToken: ct);
        Assert.That(put.Size, Is.EqualTo(size));
        if (size > 0) Assert.That((progress, progress[^1]), Is.EqualTo((progress.Order().ToList(), (long)size)));

        string target = Path.Combine(_local, "target");
        await File.WriteAllBytesAsync(target, new byte[size + 100], ct); // longer: get must truncate it
        await pair.Client.GetAsync("/file", target, cancellationToken: ct);
        Assert.That(SHA256.HashData(await File.ReadAllBytesAsync(target, ct)), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test, CancelAfter(30_000)]
    public async Task GetFoAndPutFo_WorkWithStreamsThatCannotSeek(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = RandomBytes(1_000_003);
        pair.Client.ReadChunkSize = pair.Client.WriteChunkSize = 4096; // many chunks, out of order
        await pair.Client.PutFoAsync(new NonSeekable(new MemoryStream(data)), "f", cancellationToken: ct);
        var output = new MemoryStream();
        long n = await pair.Client.GetFoAsync("f", new NonSeekable(output), cancellationToken: ct);
        Assert.That(n, Is.EqualTo(data.Length));
        Assert.That(output.ToArray(), Is.EqualTo(data));
    }

    [Test, CancelAfter(30_000)]
    public async Task Resume_FetchesOnlyTheMissingPart(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = await PutRandomAsync(pair, 500_000, "/r", ct);
        string source = Path.Combine(_local, "source");
        string target = Path.Combine(_local, "partial");
        await File.WriteAllBytesAsync(target, data[..123_456], ct);
        long first = -1;
        await pair.Client.GetAsync("/r", target, (done, _) => { if (first < 0) first = done; }, resume: true, cancellationToken: ct);
        Assert.That(await File.ReadAllBytesAsync(target, ct), Is.EqualTo(data));
        Assert.That(first, Is.GreaterThan(123_456));

        await using (SftpFile cut = await pair.Client.OpenAsync("/r", "r+", cancellationToken: ct)) cut.Truncate(7);
        await pair.Client.PutAsync(source, "/r", resume: true, cancellationToken: ct);
        await pair.Client.GetAsync("/r", target, cancellationToken: ct);
        Assert.That(await File.ReadAllBytesAsync(target, ct), Is.EqualTo(data));
    }

    /// <summary>Writes <paramref name="size"/> random bytes to the local file "source" and puts it at <paramref name="remote"/>.</summary>
    private async Task<byte[]> PutRandomAsync(SftpPair pair, int size, string remote, CancellationToken ct)
    {
        byte[] data = RandomBytes(size);
        string source = Path.Combine(_local, "source");
        await File.WriteAllBytesAsync(source, data, ct);
        await pair.Client.PutAsync(source, remote, cancellationToken: ct);
        return data;
    }

    [Test, CancelAfter(30_000)]
    public async Task Get_cuts_a_longer_local_file_on_resume_and_writes_into_a_device(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = await PutRandomAsync(pair, 300_000, "/short", ct);

        // A local file longer than the remote one is no prefix of it: fetched again, and cut to the remote size.
        string target = Path.Combine(_local, "longer");
        await File.WriteAllBytesAsync(target, RandomBytes(700_000), ct);
        await pair.Client.GetAsync("/short", target, resume: true, cancellationToken: ct);
        Assert.That(await File.ReadAllBytesAsync(target, ct), Is.EqualTo(data));

        // A device has no length to set: `sshcs sftp get host:file /dev/null` reads the file through and succeeds.
        if (OperatingSystem.IsLinux()) await pair.Client.GetAsync("/short", "/dev/null", cancellationToken: ct);
    }

    [Test, CancelAfter(30_000)]
    public async Task Get_into_a_fifo_writes_the_chunks_in_order(CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("mkfifo is Linux's here");
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = await PutRandomAsync(pair, 3_000_000, "/big", ct); // many chunks, several lanes
        string fifo = Path.Combine(_local, "fifo");
        var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!;
        await mkfifo.WaitForExitAsync(ct);
        // The reader opens the FIFO first (an open for writing waits for one), then reads it to the end.
        Task<byte[]> reader = Task.Run(async () =>
        {
            await using var input = new FileStream(fifo, FileMode.Open, FileAccess.Read);
            var all = new MemoryStream();
            await input.CopyToAsync(all, ct);
            return all.ToArray();
        }, ct);
        await pair.Client.GetAsync("/big", fifo, cancellationToken: ct);
        Assert.That(await reader.WaitAsync(ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(30_000)]
    public async Task SftpFile_ReadsWritesSeeksAndPrefetches(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        byte[] data = RandomBytes(700_000);
        await using (SftpFile file = await pair.Client.OpenAsync("/a", "w", cancellationToken: ct))
        {
            file.SetPipelined();
            for (int i = 0; i < data.Length; i += 10_000) await file.WriteAsync(data.AsMemory(i, Math.Min(10_000, data.Length - i)), ct);
        }
        await using (SftpFile file = await pair.Client.OpenAsync("/a", "r", cancellationToken: ct))
        {
            file.Prefetch();
            Assert.That(await file.ReadAsync(-1, ct), Is.EqualTo(data));
            file.Seek(1000, 0);
            Assert.That(file.Tell(), Is.EqualTo(1000));
            Assert.That(await file.ReadAsync(10, ct), Is.EqualTo(data[1000..1010]));
            Assert.That(file.Seek(-5, 2), Is.EqualTo(data.Length - 5));
            Assert.That(await file.ReadAsync(100, ct), Is.EqualTo(data[^5..]));
            Assert.That(await file.ReadAsync(100, ct), Is.Empty);
            var chunks = await file.ReadVAsync([(5, 3), (600_000, 300_000), (0, 1)], ct).ToListAsync(ct);
            Assert.That(chunks[0], Is.EqualTo(data[5..8]));
            Assert.That(chunks[1], Is.EqualTo(data[600_000..]));
            Assert.That(chunks[2], Is.EqualTo(data[..1]));
            Assert.That((await file.StatAsync(ct)).Size, Is.EqualTo(data.Length));
        }
        await using (SftpFile append = await pair.Client.OpenAsync("/a", "a", cancellationToken: ct))
            await append.WriteAsync("tail"u8.ToArray(), ct);
        Assert.That((await pair.Client.StatAsync("/a", ct)).Size, Is.EqualTo(data.Length + 4));
        Assert.ThrowsAsync<SftpException>(() => pair.Client.OpenAsync("/a", "x", cancellationToken: ct));
    }

    [Test, CancelAfter(30_000)]
    public async Task PathOperations_BehaveAsPosix(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        SftpClient c = pair.Client;
        await c.MkdirAsync("/d", 0x1ED, ct);
        await c.PutFoAsync(new MemoryStream("hello"u8.ToArray()), "/d/f", cancellationToken: ct);
        Assert.That(await c.ListDirAsync("/d", ct), Is.EqualTo(new[] { "f" }));
        SftpAttributes entry = (await c.ListDirAttrAsync("/d", ct))[0];
        Assert.That(entry.Size, Is.EqualTo(5));
        Assert.That(entry.LongName, Does.StartWith("-").And.EndWith(" f"));

        await c.ChmodAsync("/d/f", 0x180, ct);
        Assert.That((await c.StatAsync("/d/f", ct)).Mode & 0xFFF, Is.EqualTo(0x180));
        var when = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);
        await c.UtimeAsync("/d/f", (when, when), ct);
        Assert.That((await c.StatAsync("/d/f", ct)).LastWriteTime, Is.EqualTo(when));
        await c.TruncateAsync("/d/f", 2, ct);
        Assert.That((await c.StatAsync("/d/f", ct)).Size, Is.EqualTo(2));

        await c.SymlinkAsync("f", "/d/link", ct);
        Assert.That(await c.ReadLinkAsync("/d/link", ct), Is.EqualTo("f"));
        Assert.That((await c.LStatAsync("/d/link", ct)).IsSymbolicLink, Is.True);
        Assert.That((await c.StatAsync("/d/link", ct)).IsRegularFile, Is.True);

        await c.RenameAsync("/d/f", "/d/g", ct);
        await c.PutFoAsync(new MemoryStream([1]), "/d/h", cancellationToken: ct);
        Assert.ThrowsAsync<SftpException>(() => c.RenameAsync("/d/g", "/d/h", ct));
        await c.PosixRenameAsync("/d/g", "/d/h", ct);
        Assert.That((await c.StatAsync("/d/h", ct)).Size, Is.EqualTo(2));
        await c.HardlinkAsync("/d/h", "/d/h2", ct);
        Assert.That((await c.StatAsync("/d/h2", ct)).Size, Is.EqualTo(2));

        await c.ChdirAsync("/d", ct);
        Assert.That(c.GetCwd(), Is.EqualTo("/d"));
        Assert.That(await c.NormalizeAsync("h", ct), Is.EqualTo("/d/h"));
        Assert.That(await c.NormalizeAsync("..", ct), Is.EqualTo("/"));
        Assert.That((await c.StatVfsAsync("/", ct)).FragmentSize, Is.GreaterThan(0));

        await using (SftpFile a = await c.OpenAsync("/d/h", "r", cancellationToken: ct))
        await using (SftpFile b = await c.OpenAsync("/d/copy", "w", cancellationToken: ct))
        {
            await c.CopyDataAsync(a, 0, 0, b, 0, ct);
            await b.FsyncAsync(ct);
        }
        Assert.That((await c.StatAsync("/d/copy", ct)).Size, Is.EqualTo(2));

        Assert.ThrowsAsync<SftpException>(() => c.RmdirAsync("/d", ct));
        foreach (string name in new[] { "link", "h", "h2", "copy" }) await c.RemoveAsync("/d/" + name, ct);
        await c.RmdirAsync("/d", ct);
        Assert.That(await c.ExistsAsync("/d", ct), Is.False);
    }

    [Test, CancelAfter(30_000)]
    public async Task Errors_MapToDotNetExceptions(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        var missing = Assert.ThrowsAsync<FileNotFoundException>(() => pair.Client.StatAsync("/nope", ct))!;
        Assert.That(missing.Message, Does.Contain("/nope"));
        Assert.ThrowsAsync<FileNotFoundException>(() => pair.Client.GetAsync("/nope", Path.Combine(_local, "x"), cancellationToken: ct));
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => pair.Client.RmdirAsync("/", ct));
        var bad = Assert.ThrowsAsync<SftpException>(() => pair.Client.StatAsync("a\0b", ct))!;
        Assert.That(bad.Code, Is.EqualTo(SftpStatusCode.BadMessage));
        // The session goes on after errors.
        Assert.That(await pair.Client.ListDirAsync("/", ct), Is.Empty);
    }

    [Test, CancelAfter(60_000)]
    public async Task ListDir_ReturnsThousandsOfEntriesInBatches(CancellationToken ct)
    {
        // 10,000 in memory; on disk fewer, since creating files is slow on a busy CI disk (the interop tests list
        // 10,000 real files through sshcs server).
        int count = _root is null ? 10_000 : 1_000;
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        await pair.Client.MkdirAsync("/many", cancellationToken: ct);
        // 100 at a time: the server allows 256 open handles.
        for (int start = 0; start < count; start += 100)
        {
            await Task.WhenAll(Enumerable.Range(start, 100).Select(async i =>
            {
                await using SftpFile f = await pair.Client.OpenAsync($"/many/{i:D5}", "w", cancellationToken: ct);
            }));
        }
        List<string> names = await pair.Client.ListDirAsync("/many", ct);
        Assert.That(names.Order(), Is.EqualTo(Enumerable.Range(0, count).Select(i => $"{i:D5}")));
    }

    [Test, CancelAfter(30_000)]
    public async Task DirectoryTrees_GoBothWays(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        string tree = Path.Combine(_local, "tree");
        Directory.CreateDirectory(Path.Combine(tree, "a", "b"));
        await File.WriteAllTextAsync(Path.Combine(tree, "top.txt"), "top", ct);
        await File.WriteAllBytesAsync(Path.Combine(tree, "a", "b", "deep.bin"), RandomBytes(100_000), ct);
        await pair.Client.PutDirectoryAsync(tree, "/up", cancellationToken: ct);
        string back = Path.Combine(_local, "back");
        await pair.Client.GetDirectoryAsync("/up", back, cancellationToken: ct);
        Assert.That(await File.ReadAllTextAsync(Path.Combine(back, "top.txt"), ct), Is.EqualTo("top"));
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(back, "a", "b", "deep.bin"), ct), Is.EqualTo(RandomBytes(100_000)));
    }

    [Test, CancelAfter(30_000)]
    public async Task ManyConcurrentCallers_ShareOneSession(CancellationToken ct)
    {
        await using SftpPair pair = await SftpPair.StartAsync(_fileSystem, ct);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            byte[] data = Encoding.UTF8.GetBytes(new string((char)('a' + i), 5000 + i));
            await pair.Client.PutFoAsync(new MemoryStream(data), $"/c{i}", cancellationToken: ct);
            var back = new MemoryStream();
            await pair.Client.GetFoAsync($"/c{i}", back, cancellationToken: ct);
            Assert.That(back.ToArray(), Is.EqualTo(data));
        }));
    }

    /// <summary>A stream that hides its ability to seek.</summary>
    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
