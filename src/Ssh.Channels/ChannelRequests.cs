using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>
/// The channel requests of one channel (RFC 4254 §5.4), both ways. Ours: sent one at a time, their replies matched in
/// order. The peer's: decided off the read loop, one at a time, and answered in the order they came; the peer's
/// CLOSE waits behind the requests before it, so it never overtakes their replies. The exit status and exit signal
/// of the remote command (§6.10) are kept here.
/// </summary>
internal sealed class ChannelRequests
{
    /// <summary>The most requests of the peer that may wait for a decision on one channel; beyond it the peer is not
    /// waiting for our replies at all, and the connection is ended rather than queue without bound.</summary>
    public const int MaxQueued = 64;

    private readonly object _lock = new();
    private readonly IMessageTransport _transport;
    private readonly Channel _channel;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly LinkedList<TaskCompletionSource<bool>> _pendingReplies = new();
    private readonly InOrderQueue<ChannelRequest?> _incoming; // null stands for the peer's CLOSE
    private readonly TaskCompletionSource<int> _exitStatus = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChannelRequests(IMessageTransport transport, Channel channel)
    {
        _transport = transport;
        _channel = channel;
        _incoming = new InOrderQueue<ChannelRequest?>(HandleQueuedAsync, MaxQueued, $"requests on channel {channel.LocalId}");
    }

    /// <summary>Decides the peer's requests other than exit-status and exit-signal; null: all refused.</summary>
    public IConnectionRequestHandler? Handler { get; set; }

    public ExitSignal? ExitSignal { get; private set; }

    /// <summary>Completes with the exit status, or -1 when the channel closed without one (as paramiko).</summary>
    public Task<int> ExitStatus => _exitStatus.Task;

    /// <summary>Sends a request; with <paramref name="wantReply"/>, waits for the answer.</summary>
    public async Task<bool> SendAsync(string requestType, bool wantReply, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool>? reply = null;
        Diagnostics.ChannelLog.RequestSent(_channel.Log, _channel.LocalId, requestType, wantReply);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (wantReply)
            {
                reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock) _pendingReplies.AddLast(reply);
            }
            try
            {
                await _transport.SendAsync(new ChannelRequestMessage(_channel.RemoteId, requestType, wantReply, data), cancellationToken).ConfigureAwait(false);
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
        return reply is null || await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Read loop: CHANNEL_SUCCESS or CHANNEL_FAILURE for the oldest request we made.</summary>
    public void OnReply(bool success)
    {
        TaskCompletionSource<bool>? pending;
        lock (_lock)
        {
            pending = _pendingReplies.First?.Value;
            if (pending is not null) _pendingReplies.RemoveFirst();
        }
        if (pending is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer answered a channel request on channel {_channel.LocalId} that was never made (RFC 4254 §5.4).");
        pending.TrySetResult(success);
    }

    /// <summary>Read loop: a request from the peer. Answered at once when no application code is involved and
    /// nothing is queued before it; otherwise queued and decided off the read loop.</summary>
    public ValueTask OnRequestAsync(ChannelRequest request)
    {
        bool builtIn = request.RequestType is "exit-status" or "exit-signal" || Handler is null;
        if (!builtIn || _incoming.IsBusy)
        {
            _incoming.Enqueue(request);
            return ValueTask.CompletedTask;
        }
        return AnswerAsync(request, DecideBuiltIn(request));
    }

    /// <summary>Read loop: the peer's CLOSE. False when nothing waits, so the caller closes now; true when it was
    /// queued behind the requests still being decided, and the channel closes after their replies.</summary>
    public bool TryQueueClose() => _incoming.EnqueueIfBusy(null);

    private async ValueTask HandleQueuedAsync(ChannelRequest? request)
    {
        if (request is null)
        {
            await _channel.OnPeerCloseAsync().ConfigureAwait(false);
            return;
        }
        bool accepted = await DecideAsync(request).ConfigureAwait(false);
        await AnswerAsync(request, accepted).ConfigureAwait(false);
    }

    private async ValueTask<bool> DecideAsync(ChannelRequest request)
    {
        try
        {
            if (Handler is not { } handler || request.RequestType is "exit-status" or "exit-signal") return DecideBuiltIn(request);
            return await handler.DecideChannelRequestAsync(_channel, request, _transport.Lifetime).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_transport.Lifetime.IsCancellationRequested)
        {
            return false; // a decision that fails refuses (malformed request data, a bug in the handler)
        }
    }

    private async ValueTask AnswerAsync(ChannelRequest request, bool accepted)
    {
        if (request.WantReply)
            await _channel.SendUnlessClosedAsync(new ChannelSignalMessage(accepted ? MessageNumber.ChannelSuccess : MessageNumber.ChannelFailure,
                _channel.RemoteId)).ConfigureAwait(false);
        if (!accepted || Handler is not { } handler || request.RequestType is "exit-status" or "exit-signal") return;
        try
        {
            handler.OnChannelRequestAccepted(_channel, request);
        }
        catch (Exception)
        {
            // The application's bug must not stop the requests after this one; the request itself was answered.
        }
    }

    /// <summary>What the channel itself understands: the exit status and signal of the remote command (RFC 4254
    /// §6.10). Anything else (keepalive@openssh.com, say) is refused, as §5.4 asks.</summary>
    private bool DecideBuiltIn(ChannelRequest request)
    {
        var r = new SshReader(request.Data.Span);
        switch (request.RequestType)
        {
            case "exit-status":
                int status = (int)r.ReadUInt32();
                Diagnostics.ChannelLog.ExitStatus(_channel.Log, _channel.LocalId, status);
                _exitStatus.TrySetResult(status);
                return true;
            case "exit-signal":
                ExitSignal = new ExitSignal(PeerText.Sanitize(r.ReadString()), r.ReadBoolean(), PeerText.Sanitize(r.ReadString()));
                Diagnostics.ChannelLog.ExitSignal(_channel.Log, _channel.LocalId, ExitSignal.SignalName, ExitSignal.CoreDumped);
                _exitStatus.TrySetResult(-1);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The channel is closed or failed: requests waiting for a reply get "refused", the exit status -1.</summary>
    public void OnClosed()
    {
        lock (_lock)
        {
            foreach (var pending in _pendingReplies) pending.TrySetResult(false);
            _pendingReplies.Clear();
        }
        _exitStatus.TrySetResult(-1);
    }
}
