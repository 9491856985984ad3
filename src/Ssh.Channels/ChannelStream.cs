namespace Ssh.Channels;

/// <summary>
/// A channel as a <see cref="Stream"/> for .NET code: reads take the channel's stdout (0 at EOF), writes send data
/// (waiting for window), <see cref="Flush"/> does nothing (every write is sent as it is made). Disposing sends EOF and
/// closes the channel. <see cref="ShutdownWriteAsync"/> half-closes, like a socket's <c>Shutdown(Send)</c>.
/// </summary>
public sealed class ChannelStream : Stream
{
    private readonly bool _ownsChannel;
    private int _disposed;

    public ChannelStream(Channel channel, bool ownsChannel = true)
    {
        Channel = channel;
        _ownsChannel = ownsChannel;
    }

    public Channel Channel { get; }

    public override bool CanRead => _disposed == 0;
    public override bool CanWrite => _disposed == 0;
    public override bool CanSeek => false;
    public override bool CanTimeout => true;

    /// <summary>The channel's timeout (paramiko's settimeout), in milliseconds; -1 for none.</summary>
    public override int ReadTimeout
    {
        get => Channel.GetTimeout() is { } t ? (int)t.TotalMilliseconds : Timeout.Infinite;
        set => Channel.SetTimeout(value < 0 ? null : TimeSpan.FromMilliseconds(value));
    }

    public override int WriteTimeout
    {
        get => ReadTimeout;
        set => ReadTimeout = value;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Channel.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        byte[] temp = new byte[buffer.Length];
        int n = ReadAsync(temp).AsTask().GetAwaiter().GetResult();
        temp.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Channel.SendAllAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    public override void Flush() { }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Sends EOF: no more writes, reads go on (a socket's <c>Shutdown(Send)</c>).</summary>
    public Task ShutdownWriteAsync(CancellationToken cancellationToken = default) => Channel.ShutdownWriteAsync(cancellationToken);

    public override long Length => throw new NotSupportedException("A channel has no length.");

    public override long Position
    {
        get => throw new NotSupportedException("A channel cannot seek.");
        set => throw new NotSupportedException("A channel cannot seek.");
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A channel cannot seek.");

    public override void SetLength(long value) => throw new NotSupportedException("A channel has no length.");

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

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
