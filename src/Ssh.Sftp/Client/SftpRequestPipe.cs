using Ssh.Channels;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Client;

/// <summary>
/// The client's half of an SFTP session: numbers requests, sends each whole packet under one lock (so pipelined
/// requests from many callers never interleave on the channel), and runs one receive loop that hands every reply
/// to the request with its id. Replies may come in any order. A protocol error or the end of the stream fails
/// every waiting request and every later one.
/// </summary>
internal sealed class SftpRequestPipe : IAsyncDisposable
{
    private readonly SftpPacketStream _packets;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Dictionary<uint, PendingReply> _pending = [];
    private readonly Stack<PendingReply> _pool = new();
    private readonly Action<PendingReply> _release;
    private readonly CancellationTokenSource _stop = new();
    private Task? _receiveLoop;
    private Exception? _failure;
    private int _nextId;

    public SftpRequestPipe(Stream stream, int maxPacketLength)
    {
        _packets = new SftpPacketStream(stream, maxPacketLength);
        _release = Release;
    }

    public Stream Stream => _packets.Stream;

    /// <summary>Sends INIT and reads VERSION (draft §4) before any request; then starts the receive loop.</summary>
    public async Task<ReceivedPacket> HandshakeAsync(CancellationToken cancellationToken)
    {
        var init = SftpPacketWriter.WithoutId(SftpPacketType.Init);
        init.WriteUInt32(3);
        await SendAsync(init.Finish(), cancellationToken).ConfigureAwait(false);
        ReceivedPacket version = await _packets.ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new SftpException(SftpStatusCode.ConnectionLost, "The server closed the SFTP channel before it sent its version: is the sftp subsystem enabled?");
        if (version.Type != SftpPacketType.Version)
        {
            version.Return();
            throw new SftpProtocolException($"The server answered SSH_FXP_INIT with packet type {(byte)version.Type}, not SSH_FXP_VERSION.");
        }
        _receiveLoop = _packets.Stream is ChannelStream ? StartReceiveThread() : Task.Run(ReceiveLoopAsync, CancellationToken.None);
        return version;
    }

    /// <summary>A fresh request id.</summary>
    public uint NextId() => (uint)Interlocked.Increment(ref _nextId);

    /// <summary>Sends a request (its buffer is returned to the pool) and waits for the reply with its id. The
    /// caller owns the reply and must <see cref="ReceivedPacket.Return"/> it. Only the library's own transfer lanes
    /// pass <paramref name="resumeOnReplyThread"/> (see <see cref="PendingReply.Start"/>).</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReceivedPacket> RequestAsync(uint id, SftpPacket request, CancellationToken cancellationToken, bool resumeOnReplyThread = false)
    {
        PendingReply pending;
        lock (_pending)
        {
            if (_failure is { } failure)
            {
                request.Return();
                throw Wrap(failure);
            }
            pending = _pool.Count > 0 ? _pool.Pop() : new PendingReply();
            pending.Start(_release, resumeOnReplyThread);
            _pending.Add(id, pending);
        }
        try
        {
            await SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Not sent (or not wholly): nothing will answer it.
            if (Remove(id)) pending.Fail(e);
            try
            {
                await pending.Task.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The failure is the send's, rethrown below.
            }
            throw;
        }
        pending.Watch(cancellationToken);
        return await pending.Task.ConfigureAwait(false);
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(SftpPacket packet, CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _packets.Stream.WriteAsync(packet.Memory, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        finally
        {
            packet.Return();
        }
    }

    /// <summary>Over a channel, the replies are read on a thread of its own with the blocking channel read, which the
    /// session's read loop wakes directly, where an async loop takes a thread-pool hop for each arrival of a
    /// download. Each reply still resumes its requester on the pool, so no caller's code runs on (or blocks) it.</summary>
    private Task StartReceiveThread()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            ReceiveLoop();
            done.SetResult();
        })
        { IsBackground = true, Name = "sshcs sftp replies" }.Start();
        return done.Task;
    }

    private void ReceiveLoop()
    {
        Exception error;
        try
        {
            while (_packets.Read(_stop.Token) is { } reply) Dispatch(reply);
            error = Ended();
        }
        catch (Exception e)
        {
            error = Failed(e);
        }
        FailAll(error);
    }

    /// <summary>Over any other stream (a pipe, in tests), the same loop with async reads.</summary>
    private async Task ReceiveLoopAsync()
    {
        Exception error;
        try
        {
            while (await _packets.ReadAsync(_stop.Token).ConfigureAwait(false) is { } reply) Dispatch(reply);
            error = Ended();
        }
        catch (Exception e)
        {
            error = Failed(e);
        }
        FailAll(error);
    }

    /// <summary>Hands a reply to the request with its id.</summary>
    private void Dispatch(ReceivedPacket reply)
    {
        if (reply.Length < 5)
        {
            reply.Return();
            throw new SftpProtocolException($"A reply of {reply.Length} bytes, too short for a request id.");
        }
        uint id = reply.Id;
        PendingReply? pending;
        lock (_pending)
        {
            if (_pending.Remove(id, out pending) is false) pending = null;
        }
        if (pending is null)
        {
            reply.Return();
            throw new SftpProtocolException($"The server answered request {id}, which was never sent or was answered already.");
        }
        pending.Deliver(reply);
    }

    private static SftpException Ended() => new(SftpStatusCode.ConnectionLost, "The server closed the SFTP session.");

    /// <summary>What the waiting requests are told when the receive loop stopped on <paramref name="e"/>.</summary>
    private Exception Failed(Exception e) => e switch
    {
        OperationCanceledException when _stop.IsCancellationRequested => new ObjectDisposedException(nameof(SftpClient), "The SFTP client is closed."),
        SftpException or ObjectDisposedException => e,
        _ => new SftpException(SftpStatusCode.ConnectionLost, $"The SFTP session failed: {e.Message}", e),
    };

    private void FailAll(Exception error)
    {
        List<PendingReply> waiting;
        lock (_pending)
        {
            _failure ??= error;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (PendingReply pending in waiting) pending.Fail(Wrap(error));
    }

    /// <summary>A new exception per waiter, so each caller's stack trace is its own.</summary>
    private static Exception Wrap(Exception failure) => failure switch
    {
        ObjectDisposedException => new ObjectDisposedException(nameof(SftpClient), failure.Message),
        SftpException s => new SftpException(s.Code, s.Message, s),
        _ => new SftpException(SftpStatusCode.ConnectionLost, failure.Message, failure),
    };

    private bool Remove(uint id)
    {
        lock (_pending) return _pending.Remove(id);
    }

    private void Release(PendingReply pending)
    {
        lock (_pending)
        {
            if (_pool.Count < 256) _pool.Push(pending);
        }
    }

    /// <summary>True once the session has failed or been closed.</summary>
    public bool IsClosed
    {
        get { lock (_pending) return _failure is not null; }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_receiveLoop is { } loop)
        {
            try
            {
                await loop.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The stream ignored the cancellation; closing it below ends the read.
            }
        }
        FailAll(new ObjectDisposedException(nameof(SftpClient), "The SFTP client is closed."));
        await _packets.Stream.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
