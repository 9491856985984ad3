using System.Threading.Channels;

namespace Ssh.Transport.Session;

/// <summary>The messages of the transport's services while user authentication runs (SERVICE_REQUEST/ACCEPT and
/// userauth, RFC 4253 §10 and RFC 4252), passed from the read loop to the authentication state machine, which reads
/// them one at a time. Bounded: a peer that floods them waits on TCP, not on our memory.</summary>
internal sealed class ServiceMessageQueue
{
    private readonly Channel<byte[]> _messages =
        Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });

    /// <summary>Read loop: a copy of <paramref name="payload"/> (the packet buffer is reused).</summary>
    public ValueTask EnqueueAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        _messages.Writer.WriteAsync(payload.ToArray(), cancellationToken);

    /// <summary>The next message; <paramref name="closeReason"/> gives the error once the session has closed.</summary>
    public async ValueTask<byte[]> DequeueAsync(Func<Exception> closeReason, CancellationToken cancellationToken)
    {
        try
        {
            return await _messages.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw closeReason();
        }
    }

    /// <summary>No more messages: waiting readers get <paramref name="error"/>.</summary>
    public void Complete(Exception error) => _messages.Writer.TryComplete(error);
}
