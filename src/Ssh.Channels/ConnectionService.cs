using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ssh.Channels.Diagnostics;

namespace Ssh.Channels;

/// <summary>
/// The connection protocol (RFC 4254) over one authenticated transport: the channel table, channel opens both ways,
/// and the dispatch of every connection message to its channel or to <see cref="GlobalRequests"/>. It runs on the
/// read loop and never waits there on the application: the peer's channel opens, channel requests and global
/// requests are decided off the loop by the <see cref="IConnectionRequestHandler"/>.
/// </summary>
internal sealed class ConnectionService : IConnectionHandler
{
    /// <summary>The most channels one connection may have open at once (both directions together), opens still
    /// being decided included.</summary>
    public const int MaxChannels = 1024;

    private readonly object _lock = new();
    private readonly Dictionary<uint, Channel> _channels = new();
    private uint _nextChannelId;
    private int _pendingOpens; // the peer's opens being decided, each holding a place under the limit; under _lock
    private Exception? _closedReason;
    private readonly DeferredWakeups _deferredWakeups = new(); // the read loop's alone

    public ConnectionService(IMessageTransport transport, ILogger? log = null)
    {
        Transport = transport;
        Log = log ?? NullLogger.Instance;
        GlobalRequests = new GlobalRequests(transport) { Log = Log };
    }

    /// <summary>The connection protocol's events (<see cref="ChannelLog"/>).</summary>
    public ILogger Log { get; }

    public IMessageTransport Transport { get; }

    public GlobalRequests GlobalRequests { get; }

    /// <summary>Channels opened by the peer that nobody serves yet (paramiko's accept).</summary>
    public AcceptQueue Accepted { get; } = new();

    /// <summary>Decides what the peer asks; null refuses every channel open, channel request and global request
    /// (a client has none to serve unless it forwards ports). Set before the peer can send any.</summary>
    public IConnectionRequestHandler? RequestHandler
    {
        get;
        set
        {
            field = value;
            GlobalRequests.Handler = value;
        }
    }

    public int ChannelCount
    {
        get { lock (_lock) return _channels.Count; }
    }

    /// <summary>Opens a channel (RFC 4254 §5.1) and waits for the peer's confirmation.</summary>
    public async Task<Channel> OpenChannelAsync(string channelType, ReadOnlyMemory<byte> data, CancellationToken cancellationToken,
        int windowSize = Channel.DefaultWindowSize, int maxPacketSize = Channel.DefaultMaxPacketSize)
    {
        Channel channel = Register(channelType, windowSize, maxPacketSize);
        ChannelLog.Opening(Log, channel.LocalId, channelType);
        bool sent = false;
        try
        {
            await Transport.SendAsync(new ChannelOpenMessage(channelType, channel.LocalId, (uint)windowSize, (uint)maxPacketSize, data), cancellationToken).ConfigureAwait(false);
            sent = true;
            await channel.OpenTask.WaitAsync(cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch (Exception e) when (!sent)
        {
            // Never sent (cancelled before it was written, or the connection failed): the peer knows no such channel.
            channel.Fail(e is OperationCanceledException ? new ChannelException($"Opening {channel} was cancelled.") : e);
            throw;
        }
        catch (OperationCanceledException)
        {
            // The confirmation may still come; the channel is closed as soon as it does.
            _ = channel.OpenTask.ContinueWith(_ => channel.CloseAsync(), TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Adds a channel to the table. A peer's accepted open passes <paramref name="reserved"/>: its place,
    /// held since <see cref="TryReserveOpen"/>, becomes the channel in the same step, so the open never counts twice
    /// (as pending and as a channel) nor not at all while the read loop checks the next one against the limit.</summary>
    private Channel Register(string channelType, int windowSize, int maxPacketSize, bool reserved = false)
    {
        lock (_lock)
        {
            if (reserved) _pendingOpens--;
            if (_closedReason is not null) throw _closedReason;
            if (!reserved && _channels.Count + _pendingOpens >= MaxChannels)
                throw new ChannelException($"Too many open channels ({MaxChannels}).", ChannelOpenFailureReason.ResourceShortage);
            while (_channels.ContainsKey(_nextChannelId)) _nextChannelId++;
            var channel = new Channel(this, _nextChannelId++, channelType, windowSize, maxPacketSize);
            _channels.Add(channel.LocalId, channel);
            return channel;
        }
    }

    /// <summary>Read loop: holds a place under the limit for a peer's open while it is decided, so a peer cannot
    /// queue up unbounded work; false when the channels and the opens being decided fill the limit. The check and
    /// the count are one step under the lock, as are <see cref="Register"/> and <see cref="ReleaseReservedOpen"/>:
    /// an open decided on another thread between them would otherwise be counted twice.</summary>
    private bool TryReserveOpen()
    {
        lock (_lock)
        {
            if (_channels.Count + _pendingOpens >= MaxChannels) return false;
            _pendingOpens++;
            return true;
        }
    }

    /// <summary>A peer's open was refused: the place it held is free again.</summary>
    private void ReleaseReservedOpen()
    {
        lock (_lock) _pendingOpens--;
    }

    internal void Remove(Channel channel)
    {
        lock (_lock)
        {
            if (!_channels.TryGetValue(channel.LocalId, out Channel? current) || !ReferenceEquals(current, channel)) return;
            _channels.Remove(channel.LocalId);
        }
        ChannelLog.Closed(Log, channel.LocalId, channel.ChannelType);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> HandleMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> span = payload.Span;
        switch ((MessageNumber)span[0])
        {
            case MessageNumber.ChannelData:
                OnData(span);
                return true;
            case MessageNumber.ChannelExtendedData:
                await OnExtendedData(span).ConfigureAwait(false);
                return true;
            case MessageNumber.ChannelWindowAdjust:
                {
                    var r = new SshReader(span[1..]);
                    Channel c = FindOpen(r.ReadUInt32());
                    c.OnWindowAdjust(r.ReadUInt32());
                    return true;
                }
            case MessageNumber.ChannelEof:
                FindOpen(ReadRecipient(span)).OnEof();
                return true;
            case MessageNumber.ChannelClose:
                await FindOpen(ReadRecipient(span)).OnCloseAsync().ConfigureAwait(false);
                return true;
            case MessageNumber.ChannelRequest:
                {
                    ChannelRequestMessage m = ChannelRequestMessage.Read(span);
                    if (Log.IsEnabled(LogLevel.Trace)) ChannelLog.RequestReceived(Log, m.RecipientChannel, PeerText.Sanitize(m.RequestType), m.WantReply);
                    await FindOpen(m.RecipientChannel).OnRequestAsync(new ChannelRequest(m.RequestType, m.WantReply, m.Data)).ConfigureAwait(false);
                    return true;
                }
            case MessageNumber.ChannelSuccess:
            case MessageNumber.ChannelFailure:
                FindOpen(ReadRecipient(span)).OnRequestReply(span[0] == (byte)MessageNumber.ChannelSuccess);
                return true;
            case MessageNumber.ChannelOpenConfirmation:
                {
                    var m = ChannelOpenConfirmationMessage.Read(span);
                    Channel c = Find(m.RecipientChannel);
                    if (c.OpenTask.IsCompleted)
                        throw new SshProtocolException(DisconnectReason.ProtocolError, $"Channel {m.RecipientChannel} was confirmed twice (RFC 4254 §5.1).");
                    ChannelLog.OpenConfirmed(Log, c.LocalId, m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize);
                    c.OnOpenConfirmed(m.SenderChannel, m.InitialWindowSize, m.MaximumPacketSize);
                    return true;
                }
            case MessageNumber.ChannelOpenFailure:
                {
                    var m = ChannelOpenFailureMessage.Read(span);
                    Channel c = Find(m.RecipientChannel);
                    if (c.OpenTask.IsCompleted)
                        throw new SshProtocolException(DisconnectReason.ProtocolError, $"Open failure for channel {m.RecipientChannel}, which is already open (RFC 4254 §5.1).");
                    if (Log.IsEnabled(LogLevel.Debug)) ChannelLog.OpenFailed(Log, c.LocalId, m.Reason, PeerText.Sanitize(m.Description));
                    c.OnOpenFailed(m.Reason, m.Description);
                    return true;
                }
            case MessageNumber.ChannelOpen:
                await OnChannelOpenAsync(ChannelOpenMessage.Read(span)).ConfigureAwait(false);
                return true;
            case MessageNumber.GlobalRequest:
                {
                    GlobalRequestMessage m = GlobalRequestMessage.Read(span);
                    if (Log.IsEnabled(LogLevel.Trace)) ChannelLog.GlobalRequestReceived(Log, PeerText.Sanitize(m.Name), m.WantReply);
                    await GlobalRequests.OnRequestAsync(new GlobalRequest(m.Name, m.WantReply, m.Data)).ConfigureAwait(false);
                    return true;
                }
            case MessageNumber.RequestSuccess:
            case MessageNumber.RequestFailure:
                GlobalRequests.OnReply(span);
                return true;
            default:
                return false; // the session answers UNIMPLEMENTED
        }
    }

    /// <summary>The hot path: parse the header in place and hand the data to the channel's buffer.</summary>
    private void OnData(ReadOnlySpan<byte> span)
    {
        const int header = ChannelDataMessage.HeaderSize;
        if (span.Length < header)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A channel data message is truncated (RFC 4254 §5.2).");
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        CheckLength(span, header);
        FindOpen(recipient).OnData(span[header..], stderr: false, _deferredWakeups);
    }

    private ValueTask OnExtendedData(ReadOnlySpan<byte> span)
    {
        const int header = ChannelDataMessage.ExtendedHeaderSize;
        if (span.Length < header)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A channel extended data message is truncated (RFC 4254 §5.2).");
        uint recipient = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        uint dataType = BinaryPrimitives.ReadUInt32BigEndian(span[5..]);
        CheckLength(span, header);
        Channel channel = FindOpen(recipient);
        // RFC 4254 §5.2: only SSH_EXTENDED_DATA_STDERR (1) is defined. Other types are dropped, and the window they
        // used is credited back so the peer is not left waiting for an adjust that reading would have sent.
        if (dataType == 1)
        {
            channel.OnData(span[header..], stderr: true, _deferredWakeups);
            return ValueTask.CompletedTask;
        }
        return channel.OnDiscardedData(span.Length - header);
    }

    private static void CheckLength(ReadOnlySpan<byte> span, int header)
    {
        uint length = BinaryPrimitives.ReadUInt32BigEndian(span[(header - 4)..]);
        if (length != span.Length - header)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "A channel data message's length field does not match the packet (RFC 4254 §5.2).");
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

    /// <summary>A channel the peer has confirmed. Only the answer to our CHANNEL_OPEN may name a channel still being
    /// opened (RFC 4254 §5.1): data, requests, EOF or CLOSE before it mean a broken peer (OpenSSH disconnects too), and
    /// a CLOSE taken then would drop the channel from the table with its open still waiting, never to fail.</summary>
    private Channel FindOpen(uint localId)
    {
        Channel channel = Find(localId);
        if (!channel.OpenTask.IsCompletedSuccessfully)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent a message for channel {localId} before confirming it (RFC 4254 §5.1).");
        return channel;
    }

    /// <summary>Read loop: the peer opens a channel. Refused at once without a handler or over the limit; otherwise
    /// decided off the read loop and answered when decided (RFC 4254 §5.1 lets confirmations come in any order, and
    /// nothing arrives for the channel before its confirmation).</summary>
    private ValueTask OnChannelOpenAsync(ChannelOpenMessage open)
    {
        if (Log.IsEnabled(LogLevel.Debug)) ChannelLog.PeerOpening(Log, PeerText.Sanitize(open.ChannelType), open.SenderChannel);
        if (RequestHandler is not { } handler)
            return RefuseAsync(open, ChannelOpenFailureReason.AdministrativelyProhibited, $"{open.ChannelType} channels are not accepted here.");
        // Opens still being decided count against the channel limit too: a peer must not queue up unbounded work.
        if (!TryReserveOpen())
            return RefuseAsync(open, ChannelOpenFailureReason.ResourceShortage, $"Too many open channels ({MaxChannels}).");
        var request = new ChannelOpenRequest(open.ChannelType, open.SenderChannel, open.InitialWindowSize, open.MaximumPacketSize, open.Data);
        _ = Task.Run(() => DecideAndAnswerAsync(handler, request));
        return ValueTask.CompletedTask;
    }

    private ValueTask RefuseAsync(ChannelOpenMessage open, ChannelOpenFailureReason reason, string description)
    {
        if (Log.IsEnabled(LogLevel.Debug)) ChannelLog.PeerOpenRefused(Log, PeerText.Sanitize(open.ChannelType), reason, description);
        return Transport.SendAsync(new ChannelOpenFailureMessage(open.SenderChannel, reason, description));
    }

    private async Task DecideAndAnswerAsync(IConnectionRequestHandler handler, ChannelOpenRequest request)
    {
        ChannelOpenDecision decision;
        try
        {
            decision = await handler.DecideChannelOpenAsync(request, Transport.Lifetime).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            decision = ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, e.Message);
        }
        try
        {
            await AnswerChannelOpenAsync(request, decision).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection went away while the decision was pending.
        }
    }

    /// <summary>Decided: the place the open held becomes its channel, or is given back when it was refused.</summary>
    private async ValueTask AnswerChannelOpenAsync(ChannelOpenRequest request, ChannelOpenDecision decision)
    {
        if (decision.FailureReason is { } reason)
        {
            ReleaseReservedOpen();
            if (Log.IsEnabled(LogLevel.Debug))
                ChannelLog.PeerOpenRefused(Log, PeerText.Sanitize(request.ChannelType), reason, decision.FailureDescription);
            await Transport.SendAsync(new ChannelOpenFailureMessage(request.SenderChannel, reason, decision.FailureDescription)).ConfigureAwait(false);
            return;
        }
        Channel channel = Register(request.ChannelType, decision.WindowSize, decision.MaxPacketSize, reserved: true);
        channel.OnOpenConfirmed(request.SenderChannel, request.InitialWindowSize, request.MaximumPacketSize);
        if (Log.IsEnabled(LogLevel.Debug)) ChannelLog.PeerOpenAccepted(Log, channel.LocalId, PeerText.Sanitize(request.ChannelType), request.SenderChannel);
        await Transport.SendAsync(new ChannelOpenConfirmationMessage(request.SenderChannel, channel.LocalId, (uint)decision.WindowSize, (uint)decision.MaxPacketSize)).ConfigureAwait(false);
        bool served;
        try
        {
            served = decision.Opened?.Invoke(channel) ?? false;
        }
        catch (Exception)
        {
            // The application failed to take the channel: nobody serves it, so it is closed.
            _ = channel.CloseAsync();
            return;
        }
        if (!served) Accepted.Offer(channel);
    }

    /// <inheritdoc/>
    public void OnReadIdle() => _deferredWakeups.WakeAll();

    public void OnSessionClosed(Exception? reason)
    {
        Exception error = reason ?? new SshConnectionException("The connection was closed.");
        Channel[] channels;
        lock (_lock)
        {
            _closedReason = error;
            channels = _channels.Values.ToArray();
        }
        GlobalRequests.OnClosed(error);
        foreach (Channel c in channels) c.Fail(error);
    }
}
