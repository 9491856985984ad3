using System.Runtime.Versioning;
using NUnit.Framework;
using Ssh.Server.Processes;

namespace Ssh.Tests.Server.Processes;

/// <summary>The child's pipes, read and written through the shared epoll thread: data in order, the end when the
/// writer closes, no wait for what is not there, cancellation and disposal of a waiting read, many pipes at once each
/// getting only their own wake-ups, a writer that waits while the pipe is full, and EPIPE once the reader is gone.</summary>
[SupportedOSPlatform("linux")]
public sealed class NonBlockingPipeTests
{
    /// <summary>A pipe: our reading stream, and the raw write end (the "child").</summary>
    private static (PipeReadStream Reader, SafeFd Writer) NewPipe()
    {
        int[] fds = RawPipe();
        return (new PipeReadStream(fds[0]), new SafeFd(fds[1]));
    }

    private static unsafe void Write(SafeFd fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            Assert.That(LibC.Write((int)fd.DangerousGetHandle(), p, data.Length), Is.EqualTo((nint)data.Length));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task Bytes_arrive_in_order_and_the_writers_close_is_the_end(CancellationToken ct)
    {
        var (reader, writer) = NewPipe();
        await using (reader)
        {
            byte[] sent = new byte[3_000_000];
            new Random(7).NextBytes(sent);
            // The writer blocks when the pipe is full (64 KiB), so it runs beside the reader.
            Task write = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < sent.Length; i += 10_000) Write(writer, sent.AsSpan(i, Math.Min(10_000, sent.Length - i)));
                writer.Dispose();
            }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var received = new MemoryStream();
            await reader.CopyToAsync(received, 50_000, ct);
            await write;
            Assert.That(received.ToArray(), Is.EqualTo(sent));
            Assert.That(await reader.ReadAsync(new byte[10], ct), Is.Zero, "the end stays the end");
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task What_is_waiting_is_taken_without_waiting_and_a_read_waits_for_the_next_write(CancellationToken ct)
    {
        var (reader, writer) = NewPipe();
        using (writer)
        await using (reader)
        {
            byte[] buffer = new byte[100];
            Assert.That(reader.ReadWaiting(buffer), Is.Zero, "an empty pipe gives nothing, at once");
            Write(writer, "abc"u8);
            Assert.That(reader.ReadWaiting(buffer), Is.EqualTo(3));
            ValueTask<int> read = reader.ReadAsync(buffer, ct);
            await Task.Delay(30, ct);
            Assert.That(read.IsCompleted, Is.False, "a read of an empty pipe waits");
            Write(writer, "de"u8);
            Assert.That(await read, Is.EqualTo(2));
            Assert.That(buffer.AsSpan(0, 2).SequenceEqual("de"u8));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task A_waiting_read_ends_on_cancellation_and_on_disposal(CancellationToken ct)
    {
        var (reader, writer) = NewPipe();
        using (writer)
        {
            using var cts = new CancellationTokenSource(40);
            Assert.That(async () => await reader.ReadAsync(new byte[10], cts.Token), Throws.InstanceOf<OperationCanceledException>());

            Task<int> waiting = reader.ReadAsync(new byte[10], ct).AsTask();
            await Task.Delay(20, ct);
            await reader.DisposeAsync();
            Assert.That(async () => await waiting.WaitAsync(ct), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(async () => await reader.ReadAsync(new byte[10], ct), Throws.InstanceOf<ObjectDisposedException>());
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task Many_pipes_at_once_each_read_only_their_own_bytes(CancellationToken ct)
    {
        const int count = 50;
        var pipes = Enumerable.Range(0, count).Select(_ => NewPipe()).ToArray();
        try
        {
            Task<string>[] reads = pipes.Select(async p =>
            {
                var text = new System.Text.StringBuilder();
                byte[] buffer = new byte[64];
                int n;
                while ((n = await p.Reader.ReadAsync(buffer, ct)) > 0) text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
                return text.ToString();
            }).ToArray();
            for (int round = 0; round < 20; round++)
                for (int i = 0; i < count; i++) Write(pipes[i].Writer, System.Text.Encoding.ASCII.GetBytes($"{i}."));
            foreach (var p in pipes) p.Writer.Dispose();
            string[] texts = await Task.WhenAll(reads).WaitAsync(ct);
            for (int i = 0; i < count; i++) Assert.That(texts[i], Is.EqualTo(string.Concat(Enumerable.Repeat($"{i}.", 20))), $"pipe {i}");
        }
        finally
        {
            foreach (var p in pipes)
            {
                p.Writer.Dispose();
                await p.Reader.DisposeAsync();
            }
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task A_writer_waits_while_the_pipe_is_full_and_its_close_is_the_readers_end(CancellationToken ct)
    {
        int[] fds = RawPipe();
        var writer = new PipeWriteStream(fds[1]);
        await using var reader = new PipeReadStream(fds[0]);
        byte[] sent = new byte[5_000_000];
        new Random(9).NextBytes(sent);
        Task write = Task.Run(async () =>
        {
            await writer.WriteAsync(sent, ct); // 5 MB through a 64 KiB pipe: waits for the reader many times
            await writer.DisposeAsync();
        }, ct);
        var received = new MemoryStream();
        await reader.CopyToAsync(received, 100_000, ct);
        await write;
        Assert.That(received.ToArray(), Is.EqualTo(sent));
    }

    [Test, CancelAfter(10_000)]
    public async Task Writing_after_the_reader_closed_fails_with_an_IOException_naming_EPIPE(CancellationToken ct)
    {
        int[] fds = RawPipe();
        await using var writer = new PipeWriteStream(fds[1]);
        new SafeFd(fds[0]).Dispose();
        var error = Assert.ThrowsAsync<IOException>(async () => await writer.WriteAsync(new byte[10], ct))!;
        Assert.That(error.Message, Does.Contain("stdin").And.Contain("errno 32"));
    }

    private static unsafe int[] RawPipe()
    {
        int* fds = stackalloc int[2];
        Assert.That(LibC.Pipe2(fds, LibC.O_CLOEXEC), Is.Zero);
        return [fds[0], fds[1]];
    }
}
