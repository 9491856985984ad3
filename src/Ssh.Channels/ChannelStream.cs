namespace Ssh.Channels;

/// <summary>
/// A channel as a <see cref="Stream"/> for .NET code: reads take the channel's stdout (0 at EOF), writes send data
/// (waiting for window), <see cref="Flush"/> does nothing (every write is sent as it is made). Disposing a stream that
/// owns its channel sends EOF and closes the channel. <see cref="ShutdownWriteAsync"/> half-closes, like a socket's
/// <c>Shutdown(Send)</c>. <see cref="Channel.AsStream"/> makes one.
/// </summary>
public sealed class ChannelStream : Stream
{
    private readonly bool _ownsChannel;
    private int _disposed;

    /// <summary>A stream over <paramref name="channel"/>; with <paramref name="ownsChannel"/> disposing the stream
    /// closes the channel, otherwise it leaves the channel alone.</summary>
    public ChannelStream(Channel channel, bool ownsChannel = true)
    {
        Channel = channel;
        _ownsChannel = ownsChannel;
    }

    /// <summary>The channel the stream reads and writes.</summary>
    public Channel Channel { get; }

    /// <summary>True until the stream is disposed.</summary>
    public override bool CanRead => _disposed == 0;

    /// <summary>True until the stream is disposed (also after <see cref="ShutdownWriteAsync"/>, when a write fails).</summary>
    public override bool CanWrite => _disposed == 0;

    /// <summary>False: a channel is a byte stream without positions.</summary>
    public override bool CanSeek => false;

    /// <summary>True: <see cref="ReadTimeout"/> and <see cref="WriteTimeout"/> are the channel's timeout.</summary>
    public override bool CanTimeout => true;

    /// <summary>The channel's timeout (paramiko's settimeout), in milliseconds; -1 for none.</summary>
    public override int ReadTimeout
    {
        get => Channel.GetTimeout() is { } t ? (int)t.TotalMilliseconds : Timeout.Infinite;
        set => Channel.SetTimeout(value < 0 ? null : TimeSpan.FromMilliseconds(value));
    }

    /// <summary>The same timeout as <see cref="ReadTimeout"/>: a channel has one for both directions.</summary>
    public override int WriteTimeout
    {
        get => ReadTimeout;
        set => ReadTimeout = value;
    }

    /// <summary>Reads the channel's stdout (<see cref="Channel.ReadAsync"/>); 0 at EOF.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Channel.ReadAsync(buffer, cancellationToken);
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>The blocking twin of <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.</summary>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Channel.Read(buffer);
    }

    /// <summary>Sends all of <paramref name="buffer"/> as channel data (<see cref="Channel.SendAllAsync(ReadOnlyMemory{byte}, CancellationToken)"/>), waiting
    /// for the peer's window.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Channel.SendAllAsync(buffer, cancellationToken);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The blocking twin of <see cref="WriteAsync(byte[], int, int, CancellationToken)"/>: waits for window on
    /// this thread (<see cref="Channel.SendAll"/>), sending straight from <paramref name="buffer"/>.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Channel.SendAllBlocking(buffer.AsMemory(offset, count));
    }

    /// <summary>The blocking twin of <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    /// (<see cref="Channel.SendAll"/>).</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Channel.SendAll(buffer);
    }

    /// <summary>Does nothing: every write is sent as it is made.</summary>
    public override void Flush() { }

    /// <summary>Does nothing: every write is sent as it is made.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends EOF: no more writes, reads go on (a socket's <c>Shutdown(Send)</c>).</summary>
    public Task ShutdownWriteAsync(CancellationToken cancellationToken = default) => Channel.ShutdownWriteAsync(cancellationToken);

    /// <summary>Not supported: throws <see cref="NotSupportedException"/>.</summary>
    public override long Length => throw new NotSupportedException("A channel has no length.");

    /// <summary>Not supported: throws <see cref="NotSupportedException"/>.</summary>
    public override long Position
    {
        get => throw new NotSupportedException("A channel cannot seek.");
        set => throw new NotSupportedException("A channel cannot seek.");
    }

    /// <summary>Not supported: throws <see cref="NotSupportedException"/>.</summary>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A channel cannot seek.");

    /// <summary>Not supported: throws <see cref="NotSupportedException"/>.</summary>
    public override void SetLength(long value) => throw new NotSupportedException("A channel has no length.");

    /// <summary>The blocking twin of <see cref="DisposeAsync"/>.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    /// <summary>When the stream owns its channel: sends EOF, then closes the channel. Otherwise only marks the
    /// stream disposed.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsChannel) return;
        try
        {
            await Channel.ShutdownWriteAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already closed, or the connection is gone: closing below is all that is left.
        }
        await Channel.CloseAsync().ConfigureAwait(false);
    }
}
