using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport.Messages;
using static Ssh.Tests.Channels.ChannelTestKit;

namespace Ssh.Tests.Channels;

/// <summary>paramiko's file object over a channel: lines and sizes read whatever the data messages' boundaries,
/// writes buffered by bufsize as paramiko buffers them, and closing a stdin file sending EOF.</summary>
public sealed class ChannelFileTests
{
    private const string Text = "first line\nsecond\r\n\n\nh\u00e9llo w\u00f6rld\nlast without newline";

    private static readonly string[] TextLines = ["first line\n", "second\r\n", "\n", "\n", "h\u00e9llo w\u00f6rld\n", "last without newline"];

    /// <summary>Sends <paramref name="data"/> in messages of <paramref name="piece"/> bytes, then EOF.</summary>
    private static async Task SendInPiecesAsync(Channel channel, byte[] data, int piece, CancellationToken ct)
    {
        for (int i = 0; i < data.Length; i += piece)
            await channel.SendAllAsync(data.AsMemory(i, Math.Min(piece, data.Length - i)), ct);
        await channel.ShutdownWriteAsync(ct);
    }

    /// <summary>The payloads of the stdout data messages <paramref name="end"/> sent, as text.</summary>
    private static string[] SentTexts(MessagePipe.End end) =>
        end.SentOf(MessageNumber.ChannelData).Select(p => Encoding.UTF8.GetString(p, 9, p.Length - 9)).ToArray();

    [TestCase(1)]
    [TestCase(1000)]
    [CancelAfter(10_000)]
    public async Task The_blocking_twins_read_lines_sizes_and_the_rest_as_the_data_trickles_in(int piece, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile file = a.MakeFile();
        // paramiko's shape: a thread of its own doing readline(), read(n), readlines() while the peer is still sending.
        Task<(string, byte[], List<string>, string)> reading = Task.Factory.StartNew(() =>
            (file.ReadLine(), file.Read(7), file.ReadLines(), file.ReadToEnd()), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(20, ct);
        Assert.That(reading.IsCompleted, Is.False, "the blocking read returned before any data came");
        await SendInPiecesAsync(aServer, Encoding.UTF8.GetBytes(Text), piece, ct);
        var (line, seven, rest, end) = await reading.WaitAsync(ct);
        Assert.That(line, Is.EqualTo(TextLines[0]));
        Assert.That(Encoding.UTF8.GetString(seven), Is.EqualTo("second\r"));
        Assert.That(rest, Is.EqualTo(new[] { "\n" }.Concat(TextLines[2..]).ToArray()));
        Assert.That(end, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_blocking_readline_times_out_with_TimeoutException_and_reads_on(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile file = a.MakeFile();
        a.SetTimeout(TimeSpan.FromMilliseconds(40));
        Assert.That(() => file.ReadLine(), Throws.InstanceOf<TimeoutException>());
        a.SetTimeout(null);
        await aServer.SendAllAsync("late\n"u8.ToArray(), ct);
        Assert.That(file.ReadLine(), Is.EqualTo("late\n"));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(1000)]
    [CancelAfter(10_000)]
    public async Task Lines_come_whole_whatever_the_message_boundaries(int piece, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        Task sending = SendInPiecesAsync(aServer, Encoding.UTF8.GetBytes(Text), piece, ct);

        ChannelFile file = a.MakeFile();
        var lines = new List<string>();
        string line;
        while ((line = await file.ReadLineAsync(ct)).Length > 0) lines.Add(line);
        Assert.That(lines, Is.EqualTo(TextLines));
        Assert.That(await file.ReadLineAsync(ct), Is.Empty, "end of file stays the end");
        await sending;
    }

    [Test, CancelAfter(10_000)]
    public async Task ReadLines_and_enumeration_return_the_remaining_lines(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        var (b, bServer) = await OpenAsync(pipe, ct);
        await SendInPiecesAsync(aServer, Encoding.UTF8.GetBytes(Text), 5, ct);
        await SendInPiecesAsync(bServer, Encoding.UTF8.GetBytes(Text), 5, ct);

        ChannelFile fileA = a.MakeFile();
        Assert.That(await fileA.ReadLineAsync(ct), Is.EqualTo(TextLines[0]));
        Assert.That(await fileA.ReadLinesAsync(ct), Is.EqualTo(TextLines[1..]));

        // The blocking enumeration, off the test's thread so that a hang fails the test instead of the run.
        ChannelFile fileB = b.MakeFile();
        List<string> enumerated = await Task.Run(() => fileB.ToList(), ct).WaitAsync(ct);
        Assert.That(enumerated, Is.EqualTo(TextLines));
    }

    [TestCase(4096)]
    [TestCase(32 * 1024)]
    [CancelAfter(10_000)]
    public async Task A_line_longer_than_the_read_buffer_comes_whole(int piece, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        string longLine = new string('x', 70_000) + "\n";
        Task sending = SendInPiecesAsync(aServer, Encoding.ASCII.GetBytes("a\n" + longLine + "b\n" + longLine + "tail"), piece, ct);

        ChannelFile file = a.MakeFile();
        Assert.That(await file.ReadLinesAsync(ct), Is.EqualTo(new[] { "a\n", longLine, "b\n", longLine, "tail" }));
        await sending;
    }

    [Test, CancelAfter(10_000)]
    public async Task Read_takes_exactly_the_size_asked_across_messages_then_the_rest_then_nothing(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        byte[] data = Pattern(10_000);
        Task sending = SendInPiecesAsync(aServer, data, 100, ct);

        ChannelFile file = a.MakeFile();
        Assert.That(await file.ReadAsync(3050, ct), Is.EqualTo(data[..3050]));
        byte[] some = new byte[50];
        int n = await file.ReadAsync(some, ct);
        Assert.That(n, Is.InRange(1, 50));
        Assert.That(some[..n], Is.EqualTo(data[3050..(3050 + n)]));
        Assert.That(await file.ReadAsync(cancellationToken: ct), Is.EqualTo(data[(3050 + n)..]));
        Assert.That(await file.ReadAsync(cancellationToken: ct), Is.Empty);
        Assert.That(await file.ReadAsync(5, ct), Is.Empty);
        Assert.That(await file.ReadAsync(some, ct), Is.Zero);
        await sending;
    }

    [Test, CancelAfter(10_000)]
    public async Task Reads_of_sizes_and_lines_share_one_buffer(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        await SendInPiecesAsync(aServer, "head\nbody bytes\nmore\nrest"u8.ToArray(), 7, ct);

        ChannelFile file = a.MakeFile();
        Assert.That(await file.ReadLineAsync(ct), Is.EqualTo("head\n"));
        Assert.That(await file.ReadAsync(4, ct), Is.EqualTo("body"u8.ToArray()));
        Assert.That(await file.ReadLineAsync(ct), Is.EqualTo(" bytes\n"));
        Assert.That(await file.ReadToEndAsync(ct), Is.EqualTo("more\nrest"));
        Assert.That(await file.ReadAsync(10, ct), Is.Empty);
    }

    [TestCase(8192, 8192)]
    [TestCase(100, 100)]
    [CancelAfter(10_000)]
    public async Task Stdin_writes_are_held_until_flush_or_the_buffer_size(int bufsize, int flushesAt, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile stdin = a.MakeFileStdin(bufsize);

        await stdin.WriteAsync("abc", ct);
        Assert.That(pipe.Client.DataSizes(), Is.Empty, "a small write went out unflushed");
        await stdin.FlushAsync(ct);
        Assert.That(SentTexts(pipe.Client), Is.EqualTo(new[] { "abc" }));
        await stdin.FlushAsync(ct);
        Assert.That(pipe.Client.DataSizes(), Has.Length.EqualTo(1), "an empty flush sent something");

        byte[] data = Pattern(flushesAt);
        await stdin.WriteAsync(data.AsMemory(0, flushesAt - 1), ct);
        Assert.That(pipe.Client.DataSizes(), Has.Length.EqualTo(1), "the buffer went out before it was full");
        await stdin.WriteAsync(data.AsMemory(flushesAt - 1), ct);
        Assert.That(pipe.Client.DataBytesSent(), Is.EqualTo(3 + flushesAt), "a full buffer was not sent");

        await stdin.CloseAsync(ct);
        Assert.That(await ReadToEndAsync(aServer, ct), Is.EqualTo("abc"u8.ToArray().Concat(data).ToArray()));
    }

    [TestCase(0), TestCase(-1)]
    [CancelAfter(10_000)]
    public async Task Bufsize_0_and_the_default_send_every_write_at_once(int bufsize, CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        ChannelFile stdin = a.MakeFileStdin(bufsize);
        await stdin.WriteAsync("a", ct);
        await stdin.WriteAsync("bc", ct);
        Assert.That(SentTexts(pipe.Client), Is.EqualTo(new[] { "a", "bc" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task Bufsize_1_sends_at_a_newline(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        ChannelFile stdin = a.MakeFileStdin(1);
        await stdin.WriteAsync("ab", ct);
        await stdin.WriteAsync("c", ct);
        Assert.That(pipe.Client.DataSizes(), Is.Empty, "a line went out before its newline");
        await stdin.WriteAsync("d\n", ct);
        await stdin.WriteAsync("line two\n", ct);
        Assert.That(SentTexts(pipe.Client), Is.EqualTo(new[] { "abcd\n", "line two\n" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task Bufsize_1_sends_through_the_last_newline_and_keeps_the_partial_line(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        ChannelFile stdin = a.MakeFileStdin(1);
        await stdin.WriteAsync("ab\ncd", ct);
        Assert.That(SentTexts(pipe.Client), Is.EqualTo(new[] { "ab\n" }), "paramiko's line buffering sends up to the last newline");
        await stdin.WriteAsync("e\nf", ct);
        Assert.That(SentTexts(pipe.Client), Is.EqualTo(new[] { "ab\n", "cde\n" }));
        await stdin.WriteAsync(new string('x', 8192), ct);
        Assert.That(pipe.Client.DataBytesSent(), Is.EqualTo(3 + 4 + 1 + 8192), "a line longer than the buffer is not held forever");
    }

    [Test, CancelAfter(10_000)]
    public async Task Closing_a_stdin_file_flushes_then_sends_EOF_and_the_file_refuses_more(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile stdin = a.MakeFileStdin();
        await stdin.WriteAsync("bye", ct);
        await stdin.CloseAsync(ct);
        await stdin.CloseAsync(ct);

        Assert.That(stdin.Closed, Is.True);
        byte[] sent = pipe.Client.Sent.Select(p => p[0]).Where(n => n is (byte)MessageNumber.ChannelData or (byte)MessageNumber.ChannelEof).ToArray();
        Assert.That(sent, Is.EqualTo(new[] { (byte)MessageNumber.ChannelData, (byte)MessageNumber.ChannelEof }), "the data, then one EOF");
        Assert.That(await ReadToEndAsync(aServer, ct), Is.EqualTo("bye"u8.ToArray()));
        Assert.That(aServer.EofReceived, Is.True);
        Assert.That(a.Closed, Is.False, "closing the file only ends the input");
        Assert.That(async () => await stdin.WriteAsync("more", ct), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task Closing_a_stdout_file_sends_nothing(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, _) = await OpenAsync(pipe, ct);
        int sentBefore = pipe.Client.Sent.Count;
        await a.MakeFile().CloseAsync(ct);
        Assert.That(pipe.Client.Sent, Has.Count.EqualTo(sentBefore));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_stderr_file_writes_extended_data_and_each_file_refuses_the_other_direction(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile stderr = aServer.MakeFileStderr();
        await stderr.WriteAsync("oops\n", ct);
        await stderr.FlushAsync(ct);
        await aServer.ShutdownWriteAsync(ct);
        Assert.That(await a.MakeFileStderr().ReadLinesAsync(ct), Is.EqualTo(new[] { "oops\n" }));

        Assert.That(async () => await a.MakeFile().WriteAsync("x", ct), Throws.InstanceOf<NotSupportedException>());
        Assert.That(async () => await a.MakeFileStdin().ReadAsync(1, ct), Throws.InstanceOf<NotSupportedException>());
    }

    [Test, CancelAfter(10_000)]
    public async Task Closing_a_buffered_stderr_file_sends_what_it_holds(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new TestRequestHandler());
        var (a, aServer) = await OpenAsync(pipe, ct);
        ChannelFile stderr = aServer.MakeFileStderr(100);
        await stderr.WriteAsync("held in the buffer", ct);
        await stderr.CloseAsync(ct);
        await aServer.ShutdownWriteAsync(ct);
        Assert.That(await a.MakeFileStderr().ReadAsync(cancellationToken: ct), Is.EqualTo("held in the buffer"u8.ToArray()));
    }
}
