using NUnit.Framework;
using Ssh.Channels;

namespace Ssh.Tests.Channels;

/// <summary>Closing a <see cref="ChannelFile"/> loses nothing that was written to it.</summary>
public sealed class ChannelFileCloseTests
{
    private sealed class AcceptAll : IConnectionRequestHandler
    {
        public ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken ct) =>
            ValueTask.FromResult(ChannelOpenDecision.Accept());
        public ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken ct) => ValueTask.FromResult(true);
        public void OnChannelRequestAccepted(Channel channel, ChannelRequest request) { }
        public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken ct) => ValueTask.FromResult<byte[]?>(null);
        public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted) { }
    }

    [Test, CancelAfter(10_000)]
    public async Task Closing_a_buffered_stderr_file_sends_what_it_holds(CancellationToken ct)
    {
        await using var pipe = new MessagePipe(new AcceptAll());
        Channel client = await pipe.Client.Connection.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct);
        Channel server = (await pipe.Server.Connection.Accepted.AcceptAsync(Task.Delay(Timeout.Infinite, ct), null, ct))!;

        ChannelFile stderr = server.MakeFileStderr();
        await stderr.WriteAsync("held in the buffer"u8.ToArray(), ct);
        await stderr.CloseAsync(ct);
        await server.ShutdownWriteAsync(ct);

        Assert.That(await client.MakeFileStderr().ReadAsync(cancellationToken: ct), Is.EqualTo("held in the buffer"u8.ToArray()));
    }
}
