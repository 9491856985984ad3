using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;

namespace Ssh.Tests.Channels;

/// <summary>Regressions the connection fuzz target (fuzz/, target <c>connection</c>) found in
/// <see cref="ConnectionService"/>'s dispatch.</summary>
public sealed class ConnectionServiceTests
{
    /// <summary>Found by fuzzing: CHANNEL_DATA then CHANNEL_CLOSE for channel 0 while our open of it waited for its
    /// confirmation. The CLOSE took the channel out of the table, so when the connection went down the open was not
    /// failed with the others: OpenChannelAsync waited forever.</summary>
    [Test, CancelAfter(5_000)]
    public async Task Messages_for_a_channel_before_its_confirmation_are_a_protocol_error_and_the_open_fails(CancellationToken ct)
    {
        var handler = new TestRequestHandler(); // holds "slow..." opens: the server never answers this one
        await using var pipe = new MessagePipe(handler);
        Task<Channel> open = pipe.Client.Connection.OpenChannelAsync("slow-session", ReadOnlyMemory<byte>.Empty, ct);

        pipe.Client.Deliver(Convert.FromHexString("5e00000000000000077374646f75740a")); // CHANNEL_DATA 0 "stdout\n"
        pipe.Client.Deliver(Convert.FromHexString("6100000000"));                       // CHANNEL_CLOSE 0

        Assert.CatchAsync<SshException>(() => open.WaitAsync(ct));
        await pipe.Client.ReadLoop.WaitAsync(ct);
        Assert.That(pipe.Client.CloseReason, Is.TypeOf<SshProtocolException>()
            .With.Message.Contains("before confirming it"));
        handler.Release.SetResult();
    }
}
