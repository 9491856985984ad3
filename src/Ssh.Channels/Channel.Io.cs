using System.Runtime.CompilerServices;
using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Channels;

public sealed partial class Channel
{
    private TimeSpan? _timeout;
    private bool _combineStderr;
    private bool _readShutdown;

    /// <summary>paramiko's settimeout: how long a blocking read or send may wait (null: forever). A timed-out
    /// operation raises <see cref="TimeoutException"/> and leaves the channel usable.</summary>
    public void SetTimeout(TimeSpan? timeout) => _timeout = timeout;

    public TimeSpan? GetTimeout() => _timeout;

    /// <summary>paramiko's setblocking: false is a zero timeout, true waits forever.</summary>
    public void SetBlocking(bool blocking) => _timeout = blocking ? null : TimeSpan.Zero;

    /// <summary>Merges stderr into stdout from now on (paramiko's set_combine_stderr). Returns the old setting.</summary>
    public bool SetCombineStderr(bool combine)
    {
        bool old = _combineStderr;
        _combineStderr = combine;
        return old;
    }

    /// <summary>True when a read would not block: data is buffered, or the stream has ended.</summary>
    public bool RecvReady() => _stdout.Count > 0 || _stdout.IsAtEnd;

    public bool RecvStderrReady() => _stderr.Count > 0 || _stderr.IsAtEnd;

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes of stdout; 0 at end of stream.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(_stdout, buffer, cancellationToken);

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes of stderr (extended data type 1); 0 at end.</summary>
    public ValueTask<int> ReadStderrAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadFromAsync(_stderr, buffer, cancellationToken);

    /// <summary>paramiko's recv: up to <paramref name="count"/> bytes; empty at end of stream.</summary>
    public async Task<byte[]> RecvAsync(int count, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[count];
        int n = await ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return n == count ? buffer : buffer[..n];
    }

    public async Task<byte[]> RecvStderrAsync(int count, CancellationToken cancellationToken = default)
    {
        byte[] buffer = new byte[count];
        int n = await ReadStderrAsync(buffer, cancellationToken).ConfigureAwait(false);
        return n == count ? buffer : buffer[..n];
    }

    public byte[] Recv(int count) => RecvAsync(count).GetAwaiter().GetResult();

    public byte[] RecvStderr(int count) => RecvStderrAsync(count).GetAwaiter().GetResult();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadFromAsync(ChannelBuffer source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty) return 0;
        if (_readShutdown) return 0;
        Reclaim(ReferenceEquals(source, _stdout) ? StdoutWaiter : StderrWaiter);
        int n = source.TryRead(buffer.Span, out int fromMemory);
        if (n < 0)
        {
            int waiter = ReferenceEquals(source, _stdout) ? StdoutWaiter : StderrWaiter;
            CancellationTokenSource? timeoutSource = null;
            SetWaiting(waiter, true);
            try
            {
                CancellationToken token = cancellationToken;
                if (_timeout is { } timeout)
                {
                    timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeoutSource.CancelAfter(timeout);
                    token = timeoutSource.Token;
                }
                while ((n = source.TryRead(buffer.Span, out fromMemory)) < 0)
                    await source.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource is not null && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No data arrived on {this} within {_timeout!.Value.TotalSeconds:0.###} s.");
            }
            finally
            {
                SetWaiting(waiter, false);
                timeoutSource?.Dispose();
            }
        }
        if (fromMemory > 0) await ConsumedAsync(fromMemory, force: false).ConfigureAwait(false);
        return n;
    }

    /// <summary>Re-opens the window for what the application took out, in chunks of half the window so a fast
    /// reader keeps the peer streaming without a WINDOW_ADJUST per packet.</summary>
    private ValueTask ConsumedAsync(int count, bool force)
    {
        Interlocked.Add(ref _consumedTotal, count);
        int adjust = 0;
        lock (_lock)
        {
            _consumedSinceAdjust += count;
            if (!_eofReceived && !_closeReceived && _consumedSinceAdjust > 0 && (force || _consumedSinceAdjust >= LocalWindowSize / 2))
            {
                adjust = _consumedSinceAdjust;
                _consumedSinceAdjust = 0;
                _localWindowRemaining += adjust;
            }
        }
        return adjust > 0
            ? Session.SendAsync(new ChannelWindowAdjustMessage(RemoteId, (uint)adjust))
            : ValueTask.CompletedTask;
    }

    /// <summary>paramiko's send: sends as much as the window allows right now (waiting for at least one byte);
    /// returns how many bytes went.</summary>
    public ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendChunkAsync(data, 0, cancellationToken);

    /// <summary>Sends all of <paramref name="data"/>, waiting for window as needed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            int sent = await SendChunkAsync(data, 0, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Sends on the stderr stream (extended data type 1); the server side of a session uses it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAllStderrAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            int sent = await SendChunkAsync(data, 1, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    public ValueTask<int> SendStderrAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SendChunkAsync(data, 1, cancellationToken);

    public int Send(ReadOnlySpan<byte> data) => SendAsync(data.ToArray()).AsTask().GetAwaiter().GetResult();

    public void SendAll(ReadOnlySpan<byte> data) => SendAllAsync(data.ToArray()).AsTask().GetAwaiter().GetResult();

    public int SendStderr(ReadOnlySpan<byte> data) => SendStderrAsync(data.ToArray()).AsTask().GetAwaiter().GetResult();

    public void SendAllStderr(ReadOnlySpan<byte> data) => SendAllStderrAsync(data.ToArray()).AsTask().GetAwaiter().GetResult();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendChunkAsync(ReadOnlyMemory<byte> data, uint extendedType, CancellationToken cancellationToken)
    {
        if (data.IsEmpty) return 0;
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int n;
            while (true)
            {
                ThrowIfFailed();
                lock (_lock)
                {
                    if (_eofSent || _closeSent || _closeReceived)
                        throw new SshException($"{this} is closed for sending.");
                }
                long window = Interlocked.Read(ref _remoteWindow);
                if (window > 0)
                {
                    n = (int)Math.Min(Math.Min(data.Length, window), RemoteMaxPacketSize);
                    Interlocked.Add(ref _remoteWindow, -n);
                    break;
                }
                await WaitForWindowAsync(cancellationToken).ConfigureAwait(false);
            }
            await Session.SendAsync(new ChannelDataMessage(RemoteId, extendedType, data[..n]), cancellationToken).ConfigureAwait(false);
            return n;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask WaitForWindowAsync(CancellationToken cancellationToken)
    {
        if (_timeout is not { } timeout)
        {
            await _windowOpened.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await _windowOpened.WaitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The peer did not open {this}'s window within {timeout.TotalSeconds:0.###} s.");
        }
    }

    /// <summary>True when a send would not block (the peer's window is open).</summary>
    public bool SendReady() => Interlocked.Read(ref _remoteWindow) > 0 || Closed;

    /// <summary>Sends EOF: we will send no more data (paramiko's shutdown_write).</summary>
    public async Task ShutdownWriteAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_eofSent || _closeSent) return;
            _eofSent = true;
        }
        // Wait for in-flight data so EOF follows it.
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Session.SendAsync(new ChannelSignalMessage(MessageNumber.ChannelEof, RemoteId), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public void ShutdownWrite() => ShutdownWriteAsync().GetAwaiter().GetResult();

    /// <summary>Stops reading: buffered and further data is discarded.</summary>
    public void ShutdownRead() => _readShutdown = true;

    /// <summary>paramiko's shutdown: 0 stops reading, 1 stops writing (EOF), 2 both.</summary>
    public void Shutdown(int how)
    {
        if (how is 0 or 2) ShutdownRead();
        if (how is 1 or 2) ShutdownWrite();
    }
}

public sealed partial class Channel
{
    /// <summary>paramiko's makefile: the stdout stream as a file.</summary>
    public ChannelFile MakeFile(int bufsize = -1) => new(this, ChannelStreamKind.Stdout, bufsize);

    /// <summary>paramiko's makefile_stderr.</summary>
    public ChannelFile MakeFileStderr(int bufsize = -1) => new(this, ChannelStreamKind.Stderr, bufsize);

    /// <summary>paramiko's makefile_stdin: writes go to the remote stdin; closing it sends EOF.</summary>
    public ChannelFile MakeFileStdin(int bufsize = -1) => new(this, ChannelStreamKind.Stdin, bufsize);
}
