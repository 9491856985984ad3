using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Channels.Diagnostics;

namespace Ssh.Channels;

/// <summary>
/// Global requests (RFC 4254 §4), both ways. Ours: sent one at a time, their replies matched in order. The peer's:
/// decided off the read loop by the <see cref="IConnectionRequestHandler"/>, one at a time, and answered in the
/// order they came, as §4 requires.
/// </summary>
internal sealed class GlobalRequests
{
    /// <summary>The most requests of the peer that may wait for a decision; beyond it the peer is not waiting for
    /// our replies at all, and the connection is ended rather than queue without bound.</summary>
    public const int MaxQueued = 64;

    private readonly object _lock = new();
    private readonly IMessageTransport _transport;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly LinkedList<TaskCompletionSource<byte[]?>> _pendingReplies = new();
    private readonly InOrderQueue<GlobalRequest> _incoming;
    private Exception? _closedReason;

    public GlobalRequests(IMessageTransport transport)
    {
        _transport = transport;
        _incoming = new InOrderQueue<GlobalRequest>(HandleQueuedAsync, MaxQueued, "global requests");
    }

    /// <summary>Decides the peer's requests; null: all refused.</summary>
    public IConnectionRequestHandler? Handler { get; set; }

    /// <summary>Where our requests are logged (<see cref="ChannelLog"/>).</summary>
    public Microsoft.Extensions.Logging.ILogger Log { get; init; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Sends a request. With <paramref name="wantReply"/>, returns the reply data on success and null on
    /// failure; without, an empty array once it is sent.</summary>
    public async Task<byte[]?> SendAsync(string name, ReadOnlyMemory<byte> data, bool wantReply, CancellationToken cancellationToken)
    {
        ChannelLog.GlobalRequestSent(Log, name, wantReply);
        TaskCompletionSource<byte[]?>? reply = null;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (wantReply)
            {
                reply = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock)
                {
                    if (_closedReason is not null) throw _closedReason;
                    _pendingReplies.AddLast(reply);
                }
            }
            try
            {
                await _transport.SendAsync(new GlobalRequestMessage(name, wantReply, data), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (reply is not null)
            {
                // Cancelled before it was written (a packet, once started, is finished): no reply will come for it,
                // and its slot must not take the next request's.
                lock (_lock) _pendingReplies.Remove(reply);
                throw;
            }
        }
        finally
        {
            _sendLock.Release();
        }
        return reply is null ? [] : await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Read loop: REQUEST_SUCCESS (with its data) or REQUEST_FAILURE for the oldest request we made.</summary>
    public void OnReply(ReadOnlySpan<byte> payload)
    {
        TaskCompletionSource<byte[]?>? pending;
        lock (_lock)
        {
            pending = _pendingReplies.First?.Value;
            if (pending is not null) _pendingReplies.RemoveFirst();
        }
        if (pending is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer answered a global request that was never made (RFC 4254 §4).");
        pending.TrySetResult(payload[0] == (byte)MessageNumber.RequestSuccess ? payload[1..].ToArray() : null);
    }

    /// <summary>Read loop: a request from the peer. With no handler it is refused at once (in order, since nothing
    /// can be queued then); otherwise it is queued and decided off the read loop.</summary>
    public ValueTask OnRequestAsync(GlobalRequest request)
    {
        if (Handler is null) return AnswerAsync(request, null);
        _incoming.Enqueue(request);
        return ValueTask.CompletedTask;
    }

    private async ValueTask HandleQueuedAsync(GlobalRequest request)
    {
        byte[]? reply = await DecideAsync(request).ConfigureAwait(false);
        await AnswerAsync(request, reply).ConfigureAwait(false);
        try
        {
            Handler?.OnGlobalRequestAnswered(request, reply is not null);
        }
        catch (Exception)
        {
            // The application's bug must not stop the requests after this one.
        }
    }

    private async ValueTask<byte[]?> DecideAsync(GlobalRequest request)
    {
        try
        {
            return await Handler!.DecideGlobalRequestAsync(request, _transport.Lifetime).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_transport.Lifetime.IsCancellationRequested)
        {
            return null; // a decision that fails refuses (malformed request data, a bug in the handler)
        }
    }

    private ValueTask AnswerAsync(GlobalRequest request, byte[]? reply)
    {
        if (!request.WantReply) return ValueTask.CompletedTask;
        return reply is null
            ? _transport.SendAsync(new EmptyMessage(MessageNumber.RequestFailure))
            : _transport.SendAsync(new RequestSuccessMessage(reply));
    }

    /// <summary>The connection closed: our requests waiting for a reply fail with <paramref name="error"/>.</summary>
    public void OnClosed(Exception error)
    {
        lock (_lock)
        {
            _closedReason = error;
            foreach (var pending in _pendingReplies) pending.TrySetException(error);
            _pendingReplies.Clear();
        }
    }
}
