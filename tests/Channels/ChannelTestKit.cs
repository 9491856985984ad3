using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Tests.Channels;

/// <summary>
/// The server side's decisions in the connection tests. Channel opens are accepted with <see cref="WindowSize"/> and
/// <see cref="MaxPacketSize"/>; an open, channel request or global request whose name starts with "slow" waits for
/// <see cref="Release"/> (or the end of the connection); a name ending in "-no" is refused; "refuse" opens are
/// refused with <see cref="ChannelOpenFailureReason.ConnectFailed"/>; a name "throw" makes the decision throw.
/// </summary>
internal sealed class TestRequestHandler : IConnectionRequestHandler
{
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int WindowSize { get; init; } = Channel.DefaultWindowSize;
    public int MaxPacketSize { get; init; } = Channel.DefaultMaxPacketSize;
    public Func<string, bool> IsSlow { get; init; } = name => name.StartsWith("slow", StringComparison.Ordinal);
    public List<string> Decided { get; } = [];
    public List<string> Accepted { get; } = [];
    public List<string> GlobalAnswered { get; } = [];

    private async ValueTask HoldIfSlowAsync(string name, CancellationToken ct)
    {
        if (name == "throw") throw new InvalidOperationException("the handler failed");
        if (IsSlow(name)) await Release.Task.WaitAsync(ct);
    }

    public async ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken ct)
    {
        await HoldIfSlowAsync(request.ChannelType, ct);
        return request.ChannelType == "refuse"
            ? ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, "no \u001b[2Jroute to host")
            : ChannelOpenDecision.Accept(windowSize: WindowSize, maxPacketSize: MaxPacketSize);
    }

    public async ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken ct)
    {
        await HoldIfSlowAsync(request.RequestType, ct);
        lock (Decided) Decided.Add(request.RequestType);
        return !request.RequestType.EndsWith("-no", StringComparison.Ordinal);
    }

    public void OnChannelRequestAccepted(Channel channel, ChannelRequest request)
    {
        lock (Accepted) Accepted.Add(request.RequestType);
    }

    public async ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken ct)
    {
        await HoldIfSlowAsync(request.Name, ct);
        return request.Name.EndsWith("-no", StringComparison.Ordinal) ? null : System.Text.Encoding.ASCII.GetBytes(request.Name);
    }

    public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted)
    {
        lock (GlobalAnswered) GlobalAnswered.Add($"{request.Name}:{accepted}");
    }
}

/// <summary>What the connection layer tests share: opening a channel pair, looking at what a side sent, reading a
/// stream to its end, waiting for a condition.</summary>
internal static class ChannelTestKit
{
    /// <summary>The client opens a channel (granting <paramref name="clientWindow"/> and
    /// <paramref name="clientMaxPacket"/>); the server's side of it comes from its accept queue.</summary>
    public static async Task<(Channel Client, Channel Server)> OpenAsync(MessagePipe pipe, CancellationToken ct,
        int clientWindow = Channel.DefaultWindowSize, int clientMaxPacket = Channel.DefaultMaxPacketSize, string type = "session")
    {
        Channel client = await pipe.Client.Connection.OpenChannelAsync(type, ReadOnlyMemory<byte>.Empty, ct, clientWindow, clientMaxPacket);
        Channel server = await AcceptAsync(pipe, ct);
        return (client, server);
    }

    /// <summary>The next channel the client opened on the server.</summary>
    public static async Task<Channel> AcceptAsync(MessagePipe pipe, CancellationToken ct) =>
        (await pipe.Server.Connection.Accepted.AcceptAsync(Task.Delay(Timeout.Infinite, ct), null, ct))!;

    /// <summary>Bytes that show where each one came from: a mix-up of order or of streams changes them.</summary>
    public static byte[] Pattern(int length, int seed = 0)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)((i * 31 + i / 251 + seed) % 251);
        return data;
    }

    /// <summary>The payloads <paramref name="end"/> sent with message number <paramref name="number"/>.</summary>
    public static byte[][] SentOf(this MessagePipe.End end, MessageNumber number) =>
        end.Sent.Where(p => p[0] == (byte)number).ToArray();

    /// <summary>The sizes of the data in each CHANNEL_DATA (or EXTENDED_DATA) <paramref name="end"/> sent.</summary>
    public static int[] DataSizes(this MessagePipe.End end, bool extended = false) => extended
        ? end.SentOf(MessageNumber.ChannelExtendedData).Select(p => p.Length - 13).ToArray()
        : end.SentOf(MessageNumber.ChannelData).Select(p => p.Length - 9).ToArray();

    /// <summary>Every byte of channel data (stdout and extended) <paramref name="end"/> sent so far.</summary>
    public static long DataBytesSent(this MessagePipe.End end) => end.Sent.Sum(p => p[0] switch
    {
        (byte)MessageNumber.ChannelData => p.Length - 9L,
        (byte)MessageNumber.ChannelExtendedData => p.Length - 13L,
        _ => 0L,
    });

    /// <summary>The bytes-to-add of every WINDOW_ADJUST <paramref name="end"/> sent.</summary>
    public static uint[] Adjusts(this MessagePipe.End end) =>
        end.SentOf(MessageNumber.ChannelWindowAdjust).Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(5))).ToArray();

    /// <summary>Reads stdout (or stderr) until end of stream, <paramref name="chunk"/> bytes at most at a time;
    /// <paramref name="afterRead"/> is given the count read so far after each read (to check it, or to pause).</summary>
    public static async Task<byte[]> ReadToEndAsync(Channel channel, CancellationToken ct, bool stderr = false, int chunk = 64 * 1024,
        Func<long, Task>? afterRead = null)
    {
        var all = new MemoryStream();
        byte[] buffer = new byte[chunk];
        int n;
        while ((n = await (stderr ? channel.ReadStderrAsync(buffer, ct) : channel.ReadAsync(buffer, ct))) > 0)
        {
            all.Write(buffer, 0, n);
            if (afterRead is not null) await afterRead(all.Length);
        }
        return all.ToArray();
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes of stdout.</summary>
    public static async Task ReadExactlyAsync(Channel channel, Memory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            int n = await channel.ReadAsync(buffer, ct);
            if (n == 0) throw new EndOfStreamException();
            buffer = buffer[n..];
        }
    }

    /// <summary>Waits (in short steps, bounded by the test's timeout) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(2, ct);
    }

    /// <summary>Waits for <paramref name="end"/>'s read loop to end and checks it ended on the peer breaking RFC 4254.</summary>
    public static async Task<SshProtocolException> ExpectProtocolErrorAsync(MessagePipe.End end, string messagePart, CancellationToken ct)
    {
        await end.ReadLoop.WaitAsync(ct);
        Assert.That(end.CloseReason, Is.InstanceOf<SshProtocolException>());
        var error = (SshProtocolException)end.CloseReason!;
        Assert.That(error.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(error.Message, Does.Contain(messagePart));
        return error;
    }
}

/// <summary>Points <see cref="Path.GetTempPath"/> (TMPDIR) at a fresh directory for the test, so the files a spill
/// creates can be seen, then restores it. Tests in this assembly do not run in parallel.</summary>
internal sealed class TempDirectoryScope : IDisposable
{
    private readonly string? _previous = Environment.GetEnvironmentVariable("TMPDIR");

    public TempDirectoryScope()
    {
        Path = Directory.CreateTempSubdirectory("sshcs-spill-test-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", Path);
        Assert.That(System.IO.Path.GetTempPath().TrimEnd('/'), Is.EqualTo(Path), "TMPDIR must steer the temporary directory");
    }

    public string Path { get; }

    /// <summary>The spill files that exist now.</summary>
    public string[] Files => Directory.GetFiles(Path, "sshcs-channel-*.tmp");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TMPDIR", _previous);
        Directory.Delete(Path, recursive: true);
    }
}
