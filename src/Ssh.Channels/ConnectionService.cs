using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>
/// The connection protocol (RFC 4254) over one authenticated session: the channel table, channel open and
/// close, global requests with their in-order replies, and the dispatch of channel messages. Runs on the
/// session's read loop and never waits on the application there.
/// </summary>
internal sealed class ConnectionService : IConnectionHandler
{
    /// <summary>The most channels one connection may have open at once (both directions together).</summary>
    public const int MaxChannels = 1024;

    private readonly object _lock = new();
    private readonly Dictionary<uint, Channel> _channels = new();
    private readonly Queue<TaskCompletionSource<byte[]?>> _pendingGlobalReplies = new();
    private readonly SemaphoreSlim _globalRequestLock = new(1, 1);
    private uint _nextChannelId;
    private int _pendingOpens;
    private Exception? _closedReason;

    public ConnectionService(SshSession session)
    {
        Session = session;
        session.ConnectionHandler = this;
    }

    public SshSession Session { get; }

    /// <summary>Answers the peer's global requests; returns the reply data, or null to refuse. By default every
    /// request is refused (a client has none to serve).</summary>
    public Func<GlobalRequestMessage, ValueTask<byte[]?>>? GlobalRequestHandler { get; set; }

    /// <summary>Called once the reply to a global request is on its way: what the request set up (a remote forward's
    /// listener) may start now without its first channel overtaking the reply.</summary>
    public Action<GlobalRequestMessage>? GlobalRequestAnswered { get; set; }

    /// <summary>Decides on channels the peer opens; returns the channel's setup or a refusal. Unset: refused.</summary>
    public Func<ChannelOpenMessage, ValueTask<ChannelOpenDecision>>? ChannelOpenHandler { get; set; }

    public int ChannelCount
    {
        get { lock (_lock) return _channels.Count; }
    }

    /// <summary>Opens a channel (RFC 4254 §5.1) and waits for the peer's confirmation.</summary>
    public async Task<Channel> OpenChannelAsync(string channelType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken,
        int windowSize = Channel.DefaultWindowSize, int maxPacketSize = Channel.DefaultMaxPacketSize)
    {
        Channel channel = Register(channelType, windowSize, maxPacketSize);
        try
        {
            await Session.SendAsync(new ChannelOpenMessage(channelType, channel.LocalId, (uint)windowSize, (uint)maxPacketSize, data), cancellationToken).ConfigureAwait(false);
            await channel.OpenTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch (OperationCanceledException)
        {
            // The confirmation may still come; the channel is closed as soon as it does.
            _ = channel.OpenTask.ContinueWith(_ => channel.CloseAsync(), TaskScheduler.Default);
            throw;
        }
    }

    private Channel Register(string channelType, int windowSize, int maxPacketSize)
    {
        lock (_lock)
        {
            if (_closedReason is not null) throw _closedReason;
            if (_channels.Count >= MaxChannels)
                throw new ChannelException($"Too many open channels ({MaxChannels}).", ChannelOpenFailureReason.ResourceShortage);
            while (_channels.ContainsKey(_nextChannelId)) _nextChannelId++;
            var channel = new Channel(this, _nextChannelId++, channelType, windowSize, maxPacketSize);
            _channels.Add(channel.LocalId, channel);
            return channel;
        }
    }

    internal void Remove(Channel channel)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channel.LocalId, out Channel? current) && ReferenceEquals(current, channel))
                _channels.Remove(channel.LocalId);
        }
    }

    /// <summary>Sends a global request (RFC 4254 §4). With <paramref name="wantReply"/>, returns the reply data
    /// on success and null on failure; replies are matched in order.</summary>
    public async Task<byte[]?> SendGlobalRequestAsync(string name, ReadOnlyMemory<byte> data, bool wantReply, CancellationToken cancellationToken)
    {
        TaskCompletionSource<byte[]?>? reply = null;
        await _globalRequestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (wantReply)
            {
                reply = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock)
                {
                    if (_closedReason is not null) throw _closedReason;
                    _pendingGlobalReplies.Enqueue(reply);
                }
            }
            await Session.SendAsync(new GlobalRequestMessage(name, wantReply, data), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _globalRequestLock.Release();
        }
        return reply is null ? [] : await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> span = payload.Span;
        switch ((MessageNumber)span[0])
        {
            case MessageNumber.ChannelData:
                OnData(span, extended: false);
                return;
            case MessageNumber.ChannelExtendedData:
                OnData(span, extended: true);
                return;
            case MessageNumber.ChannelWindowAdjust:
                {
                    var r = new SshReader(span[1..]);
                    Channel c = Find(r.ReadUInt32());
                    c.OnWindowAdjust(r.ReadUInt32());
                    return;
                }
            case MessageNumber.ChannelEof:
                Find(ReadRecipient(span)).OnEof();
                return;
            case MessageNumber.ChannelClose:
                await Find(ReadRecipient(span)).OnCloseAsync().ConfigureAwait(false);
                return;
            case MessageNumber.ChannelRequest:
                {
                    ChannelRequestMessage request = ChannelRequestMessage.Read(span);
                    await Find(request.RecipientChannel).OnRequestAsync(request).ConfigureAwait(false);
                    return;
                }
            case MessageNumber.ChannelSuccess:
            case MessageNumber.ChannelFailure:
                Find(ReadRecipient(span)).OnRequestReply(span[0] == (byte)MessageNumber.ChannelSuccess);
                return;
            case MessageNumber.ChannelOpenConfirmation:
                {
                    var m = ChannelOpenConfirmationMessage.Read(span);
                    Channel c = Find(m.RecipientChannel);
                    if (c.OpenTask.IsCompleted)
                        throw new SshProtocolException(DisconnectReason.ProtocolError, $"Channel {m.RecipientChannel} was confirmed twice.");
                    c.OnOpenConfirmed(m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize);
                    return;
                }
            case MessageNumber.ChannelOpenFailure:
                {
                    var m = ChannelOpenFailureMessage.Read(span);
                    Channel c = Find(m.RecipientChannel);
                    if (c.OpenTask.IsCompleted)
                        throw new SshProtocolException(DisconnectReason.ProtocolError, $"Open failure for channel {m.RecipientChannel}, which is already open.");
                    c.OnOpenFailed(m.Reason, m.Description);
                    return;
                }
            case MessageNumber.ChannelOpen:
                await OnChannelOpenAsync(ChannelOpenMessage.Read(span)).ConfigureAwait(false);
                return;
            case MessageNumber.GlobalRequest:
                await OnGlobalRequestAsync(GlobalRequestMessage.Read(span)).ConfigureAwait(false);
                return;
            case MessageNumber.RequestSuccess:
            case MessageNumber.RequestFailure:
                OnGlobalReply(span);
                return;
            default:
                await Session.SendAsync(new UnimplementedMessage(Session.Reader.SequenceNumber - 1), cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>The hot path: parse the header in place and hand the data to the channel's buffer.</summary>
    private void OnData(ReadOnlySpan<byte> span, bool extended)
    {
        int header = extended ? ChannelDataMessage.ExtendedHeaderSize : ChannelDataMessage.HeaderSize;
        if (span.Length < header)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A channel data message is truncated.");
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        uint dataType = extended ? BinaryPrimitives.ReadUInt32BigEndian(span[5..]) : 0;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(span[(header - 4)..]);
        if (length != span.Length - header)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A channel data message's length field does not match the packet.");
        Channel channel = Find(recipient);
        // RFC 4254 §5.2: only stderr (1) is defined; other extended types are dropped but still use window.
        channel.OnData(span[header..], stderr: extended && dataType == 1);
    }

    private static uint ReadRecipient(ReadOnlySpan<byte> span) => new SshReader(span[1..]).ReadUInt32();

    private Channel Find(uint localId)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(localId, out Channel? channel)) return channel;
        }
        throw new SshProtocolException(DisconnectReason.ProtocolError, $"The peer referred to channel {localId}, which is not open.");
    }

    private ValueTask OnChannelOpenAsync(ChannelOpenMessage open)
    {
        if (ChannelOpenHandler is null)
            return AnswerChannelOpenAsync(open, ChannelOpenDecision.Refuse(ChannelOpenFailureReason.AdministrativelyProhibited,
                $"{open.ChannelType} channels are not accepted here."));
        // Opens still being decided count against the channel limit too: a peer must not queue up unbounded work.
        if (Volatile.Read(ref _pendingOpens) + ChannelCount >= MaxChannels)
            return AnswerChannelOpenAsync(open, ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ResourceShortage,
                $"Too many open channels ({MaxChannels})."));
        ValueTask<ChannelOpenDecision> pending = ChannelOpenHandler(open);
        // A handler that failed at once (malformed type-specific data) fails the read loop, as it always has.
        if (pending.IsCompleted) return AnswerChannelOpenAsync(open, pending.Result);
        // A decision that needs I/O (connecting a forwarded socket, say) is answered when it is ready, off the read
        // loop: RFC 4254 §5.1 lets confirmations come in any order, and nothing arrives for this channel before it.
        _ = AnswerWhenDecidedAsync(open, pending);
        return ValueTask.CompletedTask;
    }

    private async Task AnswerWhenDecidedAsync(ChannelOpenMessage open, ValueTask<ChannelOpenDecision> pending)
    {
        ChannelOpenDecision decision;
        Interlocked.Increment(ref _pendingOpens);
        try
        {
            decision = await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            decision = ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, e.Message);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingOpens);
        }
        try
        {
            await AnswerChannelOpenAsync(open, decision).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection went away while the decision was pending.
        }
    }

    private async ValueTask AnswerChannelOpenAsync(ChannelOpenMessage open, ChannelOpenDecision decision)
    {
        if (decision.FailureReason is { } reason)
        {
            await Session.SendAsync(new ChannelOpenFailureMessage(open.SenderChannel, reason, decision.FailureDescription ?? "")).ConfigureAwait(false);
            return;
        }
        Channel channel;
        try
        {
            channel = Register(open.ChannelType, decision.WindowSize, decision.MaxPacketSize);
        }
        catch (ChannelException e)
        {
            await Session.SendAsync(new ChannelOpenFailureMessage(open.SenderChannel, ChannelOpenFailureReason.ResourceShortage, e.Message)).ConfigureAwait(false);
            return;
        }
        channel.RequestHandler = decision.RequestHandler;
        channel.RequestAccepted = decision.RequestAccepted;
        channel.OnOpenConfirmed(open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize);
        await Session.SendAsync(new ChannelOpenConfirmationMessage(open.SenderChannel, channel.LocalId, (uint)decision.WindowSize, (uint)decision.MaxPacketSize)).ConfigureAwait(false);
        decision.OnOpened?.Invoke(channel);
    }

    private async ValueTask OnGlobalRequestAsync(GlobalRequestMessage request)
    {
        byte[]? reply = GlobalRequestHandler is null ? null : await GlobalRequestHandler(request).ConfigureAwait(false);
        if (request.WantReply)
        {
            if (reply is null)
                await Session.SendAsync(new EmptyMessage(MessageNumber.RequestFailure)).ConfigureAwait(false);
            else
                await Session.SendAsync(new RequestSuccessMessage(reply)).ConfigureAwait(false);
        }
        GlobalRequestAnswered?.Invoke(request);
    }

    private void OnGlobalReply(ReadOnlySpan<byte> span)
    {
        TaskCompletionSource<byte[]?>? pending;
        lock (_lock) _pendingGlobalReplies.TryDequeue(out pending);
        if (pending is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer answered a global request that was never made.");
        pending.TrySetResult(span[0] == (byte)MessageNumber.RequestSuccess ? span[1..].ToArray() : null);
    }

    public void OnSessionClosed(Exception? reason)
    {
        Exception error = reason ?? new SshConnectionException("The connection was closed.");
        Channel[] channels;
        lock (_lock)
        {
            _closedReason = error;
            channels = _channels.Values.ToArray();
            while (_pendingGlobalReplies.TryDequeue(out var pending)) pending.TrySetException(error);
        }
        foreach (Channel c in channels) c.Fail(error);
    }
}

/// <summary>The answer to a channel the peer wants to open.</summary>
internal sealed record ChannelOpenDecision
{
    public ChannelOpenFailureReason? FailureReason { get; init; }
    public string? FailureDescription { get; init; }
    public int WindowSize { get; init; } = Channel.DefaultWindowSize;
    public int MaxPacketSize { get; init; } = Channel.DefaultMaxPacketSize;
    public Func<Channel, ChannelRequestMessage, ValueTask<bool>>? RequestHandler { get; init; }
    public Action<Channel, ChannelRequestMessage>? RequestAccepted { get; init; }
    public Action<Channel>? OnOpened { get; init; }

    public static ChannelOpenDecision Refuse(ChannelOpenFailureReason reason, string description) =>
        new() { FailureReason = reason, FailureDescription = description };
}
