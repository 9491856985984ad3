using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Sftp;

namespace Ssh.Tests.Sftp;

/// <summary>A get or put into a local file runs its lanes on the SFTP reply thread; nothing of the caller's may run
/// there. A progress callback or a destination stream that makes a blocking call on the same client must still
/// finish, and the caller resumes on the pool. Over a real SSH connection on loopback, where the reply thread exists.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SftpTransferThreadTests
{
    private const int Size = 6 * 1024 * 1024 + 5;
    private string _root = null!;
    private string _local = null!;
    private byte[] _data = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("sftp-threads-root-").FullName;
        _local = Directory.CreateTempSubdirectory("sftp-threads-local-").FullName;
        _data = new byte[Size];
        new Random(7).NextBytes(_data);
        File.WriteAllBytes(Path.Combine(_root, "file"), _data);
    }

    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_local, recursive: true);
    }

    private async Task<SftpOverSsh> ConnectAsync(CancellationToken ct)
    {
        SftpOverSsh session = await SftpOverSsh.ConnectAsync(_root, ct);
        session.Sftp.ReadChunkSize = session.Sftp.WriteChunkSize = 64 * 1024; // many replies, so the callback runs many times
        return session;
    }

    private void AssertLocalCopy(string path) =>
        Assert.That(SHA256.HashData(File.ReadAllBytes(path)), Is.EqualTo(SHA256.HashData(_data)));

    [Test, CancelAfter(60_000)]
    public async Task A_progress_callback_that_calls_the_same_client_blocking_does_not_stall_a_get_or_a_put(CancellationToken ct)
    {
        await using SftpOverSsh session = await ConnectAsync(ct);
        SftpClient sftp = session.Sftp;
        var seen = new List<long>();
        void Callback(long done, long total)
        {
            // A blocking request on the same client: it needs the reply thread to answer it.
            Assert.That(sftp.Stat("/file").Size, Is.EqualTo(Size));
            lock (seen) seen.Add(done);
        }

        string target = Path.Combine(_local, "got");
        await sftp.GetAsync("/file", target, Callback, cancellationToken: ct);
        AssertLocalCopy(target);
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(Size), "the final figure is reported before the get returns");

        seen.Clear();
        await sftp.PutAsync(target, "/put", Callback, cancellationToken: ct);
        AssertLocalCopy(Path.Combine(_root, "put"));
        Assert.That(seen, Is.Ordered);
        Assert.That(seen[^1], Is.EqualTo(Size));
    }

    [Test, CancelAfter(60_000)]
    public async Task The_caller_resumes_on_the_pool_and_a_throwing_callback_fails_the_transfer_with_its_exception(CancellationToken ct)
    {
        await using SftpOverSsh session = await ConnectAsync(ct);
        SftpClient sftp = session.Sftp;
        string target = Path.Combine(_local, "got");
        await sftp.GetAsync("/file", target, cancellationToken: ct);
        Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"resumed on '{Thread.CurrentThread.Name}'");
        await sftp.PutAsync(target, "/put", cancellationToken: ct);
        Assert.That(Thread.CurrentThread.IsThreadPoolThread, Is.True, $"resumed on '{Thread.CurrentThread.Name}'");

        var error = Assert.ThrowsAsync<InvalidOperationException>(() =>
            sftp.GetAsync("/file", Path.Combine(_local, "again"), (done, _) => throw new InvalidOperationException("stop at " + done), cancellationToken: ct));
        Assert.That(error!.Message, Does.StartWith("stop at "));
        // The session is still usable after the failed transfer.
        Assert.That((await sftp.StatAsync("/file", ct)).Size, Is.EqualTo(Size));
    }

    [Test, CancelAfter(60_000)]
    public async Task A_destination_stream_that_calls_the_same_client_blocking_does_not_stall_a_get(CancellationToken ct)
    {
        await using SftpOverSsh session = await ConnectAsync(ct);
        SftpClient sftp = session.Sftp;
        using var destination = new StatEveryWriteStream(sftp);
        Assert.That(await sftp.GetFoAsync("/file", destination, cancellationToken: ct), Is.EqualTo(Size));
        Assert.That(SHA256.HashData(destination.ToArray()), Is.EqualTo(SHA256.HashData(_data)));
    }

    /// <summary>A caller's stream that cannot seek and makes a blocking request on the client at every write.</summary>
    private sealed class StatEveryWriteStream(SftpClient sftp) : MemoryStream
    {
        public override bool CanSeek => false;

        public override void Write(byte[] buffer, int offset, int count)
        {
            sftp.Stat("/file");
            base.Write(buffer, offset, count);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }
    }
}
