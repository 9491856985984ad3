namespace Ssh.Channels;

/// <summary>Channels the peer opened that nobody serves yet, for paramiko's <c>accept</c>
/// (<see cref="SshTransport.AcceptAsync"/>). Unbounded only in name: every channel in it counts against the
/// connection's channel limit.</summary>
internal sealed class AcceptQueue
{
    private readonly System.Threading.Channels.Channel<Channel> _channels =
        System.Threading.Channels.Channel.CreateUnbounded<Channel>(new() { SingleWriter = false });

    public void Offer(Channel channel) => _channels.Writer.TryWrite(channel);

    /// <summary>The next channel; null when <paramref name="connectionClosed"/> completes or the timeout passes first.</summary>
    public async Task<Channel?> AcceptAsync(Task connectionClosed, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t) timeoutSource.CancelAfter(t);
        try
        {
            Task<Channel> next = _channels.Reader.ReadAsync(timeoutSource.Token).AsTask();
            if (await Task.WhenAny(next, connectionClosed).ConfigureAwait(false) == next) return await next.ConfigureAwait(false);
            timeoutSource.Cancel(); // the read left behind must not take a channel nobody would see
            return _channels.Reader.TryRead(out Channel? channel) ? channel : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
