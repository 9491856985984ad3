using NUnit.Framework;
using Ssh.Channels;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>The exec deadlock relief: output nobody reads goes to a temporary file when the application waits on
/// something else, so the peer can go on; a reader that is merely slow still throttles the peer, and nothing goes
/// to disk. Temporary files are watched through TMPDIR (<see cref="TempDirectoryScope"/>).</summary>
public sealed class UnreadOutputSpillTests
{
    private const int Window = 64 * 1024;

    /// <summary>Opens a channel granting <paramref name="window"/> and runs a command on the server's side of it:
    /// stdout and stderr interleaved in <paramref name="chunk"/>-byte pieces (as long as each lasts), then exit
    /// status 7 and EOF. Returns the client's side and the command.</summary>
    private static async Task<(Channel Client, Task Command)> StartCommandAsync(MessagePipe pipe, int window, byte[] stdout, byte[] stderr,
        int chunk, CancellationToken ct)
    {
        var (client, server) = await OpenAsync(pipe, ct, clientWindow: window, clientMaxPacket: Math.Min(window / 2, 16 * 1024));
        return (client, RunAsync());

        async Task RunAsync()
        {
            for (int i = 0; i < Math.Max(stdout.Length, stderr.Length); i += chunk)
            {
                if (i < stdout.Length) await server.SendAllAsync(stdout.AsMemory(i, Math.Min(chunk, stdout.Length - i)), ct);
                if (i < stderr.Length) await server.SendAllStderrAsync(stderr.AsMemory(i, Math.Min(chunk, stderr.Length - i)), ct);
            }
            await server.SendExitStatusAsync(7, ct);
            await server.ShutdownWriteAsync(ct);
        }
    }

    [TestCase(256 * 1024, 512 * 1024, TestName = "Stderr far beyond the window while stdout is read")]
    [TestCase(16 * 1024, 256 * 1024, TestName = "Little stdout, stderr far beyond the window")]
    [CancelAfter(10_000)]
    public async Task Reading_only_stdout_to_the_end_while_stderr_overflows_the_window_does_not_deadlock(int stdoutLength, int stderrLength,
        CancellationToken ct)
    {
        using var temp = new TempDirectoryScope();
        await using var pipe = new MessagePipe(new TestRequestHandler());
        byte[] stdout = Pattern(stdoutLength, seed: 1), stderr = Pattern(stderrLength, seed: 2);
        var (a, command) = await StartCommandAsync(pipe, Window, stdout, stderr, 8 * 1024, ct);

        Assert.That(await ReadToEndAsync(a, ct), Is.EqualTo(stdout));
        await command;
        Assert.That(temp.Files, Is.Not.Empty, "stderr beyond the window must have gone to a file");
        Assert.That(await ReadToEndAsync(a, ct, stderr: true), Is.EqualTo(stderr));
        Assert.That(await a.RecvExitStatusAsync(ct), Is.EqualTo(7));
        Assert.That(temp.Files, Is.Empty, "the spill file outlived the stream it held");
    }

    [Test, CancelAfter(10_000)]
    public async Task Waiting_for_the_exit_status_with_both_streams_unread_completes_and_keeps_every_byte(CancellationToken ct)
    {
        using var temp = new TempDirectoryScope();
        await using var pipe = new MessagePipe(new TestRequestHandler());
        byte[] stdout = Pattern(300 * 1024, seed: 3), stderr = Pattern(200 * 1024, seed: 4);
        var (a, command) = await StartCommandAsync(pipe, Window, stdout, stderr, 4 * 1024, ct);

        Assert.That(await a.RecvExitStatusAsync(ct), Is.EqualTo(7));
        await command;
        Assert.That(temp.Files, Is.Not.Empty);
        Assert.That(await ReadToEndAsync(a, ct, stderr: true), Is.EqualTo(stderr));
        Assert.That(await ReadToEndAsync(a, ct), Is.EqualTo(stdout));
        Assert.That(temp.Files, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_merely_slow_reader_is_not_spilled_while_another_waits_and_still_throttles_the_peer(CancellationToken ct)
    {
        const int window = 16 * 1024;
        using var temp = new TempDirectoryScope();
        await using var pipe = new MessagePipe(new TestRequestHandler());
        byte[] stdout = Pattern(1024, seed: 5), stderr = Pattern(96 * 1024, seed: 6);
        var (a, command) = await StartCommandAsync(pipe, window, stdout, stderr, 1024, ct);

        // stdout is read to its end, so that reader waits nearly all the time with the window shut by stderr; but
        // stderr's reader, slow as it is, makes progress, so nothing is stuck.
        Task<byte[]> stdoutRead = ReadToEndAsync(a, ct);
        byte[] stderrRead = await ReadToEndAsync(a, ct, stderr: true, chunk: 1024, afterRead: async read =>
        {
            Assert.That(temp.Files, Is.Empty, "a reader making progress was spilled");
            Assert.That(pipe.Server.DataBytesSent() - read - stdout.Length, Is.LessThanOrEqualTo(window),
                "the peer got ahead of the readers by more than the window");
            await Task.Delay(1, ct);
        });

        Assert.That(stderrRead, Is.EqualTo(stderr));
        Assert.That(await stdoutRead, Is.EqualTo(stdout));
        await command;
        Assert.That(temp.Files, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_reader_pausing_longer_than_a_stall_without_waiting_is_not_spilled(CancellationToken ct)
    {
        const int window = 8 * 1024;
        using var temp = new TempDirectoryScope();
        await using var pipe = new MessagePipe(new TestRequestHandler());
        byte[] stdout = Pattern(3 * window, seed: 7);
        var (a, command) = await StartCommandAsync(pipe, window, stdout, [], 4096, ct);

        byte[] read = await ReadToEndAsync(a, ct, chunk: window, afterRead: async count =>
        {
            await Task.Delay(80, ct); // the window is shut meanwhile, but nobody waits on the channel
            Assert.That(temp.Files, Is.Empty);
            Assert.That(pipe.Server.DataBytesSent() - count, Is.LessThanOrEqualTo(window));
        });
        Assert.That(read, Is.EqualTo(stdout));
        await command;
    }
}
