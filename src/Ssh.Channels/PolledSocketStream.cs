using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Ssh.Channels;

/// <summary>
/// The client's TCP connection on Linux: a non-blocking socket read and written with plain system calls, that waits
/// for readiness on threads of its own (<see cref="SocketReadiness"/>) instead of through the runtime's socket
/// engine. A read that finds data returns at once; one that does not resumes the read loop on the connection's
/// reader thread, which then reads on while data keeps coming: no epoll thread, no thread-pool item and no wake-up
/// of another thread per arrival. Small reads re-arm TCP_QUICKACK: a server that does not set TCP_NODELAY (sshd
/// does not, outside a pty session) holds its second small packet in a row until the first is acknowledged
/// (Nagle), which with Linux's delayed ACK is a 40 ms stall twice in every login and exec; TCP_QUICKACK lasts only
/// until the kernel's next ACK decision, and a transfer's large reads do not pay for it.
/// </summary>
internal sealed class PolledSocketStream : Stream
{
    private const int IpProtocolTcp = 6; // IPPROTO_TCP
    private const int TcpQuickAck = 12; // TCP_QUICKACK, linux/tcp.h

    /// <summary>Reads shorter than this re-arm the quick ACK; a bulk transfer's reads are longer.</summary>
    private const int SmallRead = 16 * 1024;

    private readonly Socket _socket;
    private readonly SocketReadiness _reader;
    private readonly SocketReadiness _writer;
    private bool _quickAck = true;
    private int _disposed;

    // The reader's thread waits for the connect too, then runs the read loop, key exchanges included (the runtime's
    // default stack). The writer's only finishes sends that found the socket's buffer full, and is taken with the
    // first of those: a connection that never fills it has one thread.
    private static readonly PollThread.Pool ReaderThreads = new("sshcs socket reader", 0);
    private static readonly PollThread.Pool WriterThreads = new("sshcs socket writer", 256 * 1024);

    private PolledSocketStream(Socket socket)
    {
        _socket = socket;
        _reader = new SocketReadiness(socket, ReaderThreads);
        _writer = new SocketReadiness(socket, WriterThreads);
    }

    /// <summary>Connects to <paramref name="endPoint"/> without blocking the caller; throws the connect's
    /// <see cref="SocketException"/> (refused, unreachable) or an <see cref="OperationCanceledException"/>.</summary>
    public static async Task<PolledSocketStream> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
        var stream = new PolledSocketStream(socket);
        try
        {
            try
            {
                socket.Connect(endPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // EINPROGRESS: the socket turns writable when the handshake ends, and SO_ERROR says how it ended. On
                // loopback it has usually ended inside connect(2) already.
                if (!socket.Poll(0, SelectMode.SelectWrite))
                {
                    await stream._reader.WaitAsync(SelectMode.SelectWrite, cancellationToken).ConfigureAwait(false);
                    // Off the reader thread: the caller's code runs next, and a blocking call there (a sync connect
                    // after an async one) would keep that thread from ever reading.
                    await Task.Yield();
                }
                var error = (SocketError)(int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error != SocketError.Success) throw new SocketException((int)error);
            }
            stream.ArmQuickAck();
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        TryReceive(buffer.Span, out int n) ? new ValueTask<int>(n) : WaitToReceiveAsync(buffer, cancellationToken);

    // Pooled: the read loop's every wait for the socket passes through here, and the packet path allocates nothing.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitToReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _reader.WaitAsync(SelectMode.SelectRead, cancellationToken).ConfigureAwait(false);
            // A zero-byte read asked only to be told that data (or the end) is there, which poll just said.
            if (buffer.IsEmpty) return 0;
            if (TryReceive(buffer.Span, out int n)) return n;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        int n;
        while (!TryReceive(buffer, out n)) _socket.Poll(-1, SelectMode.SelectRead);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads what is there without waiting: false when nothing is. A zero-byte read (a
    /// <see cref="System.IO.Pipelines.PipeReader"/> waiting for data without holding a buffer) succeeds once data or
    /// the end is there.</summary>
    private bool TryReceive(Span<byte> buffer, out int received)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            received = 0;
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        received = _socket.Receive(buffer, SocketFlags.None, out SocketError error);
        switch (error)
        {
            case SocketError.Success:
                if (received is > 0 and < SmallRead) ArmQuickAck();
                return true;
            case SocketError.WouldBlock or SocketError.Interrupted:
                return false;
            default:
                throw Failed("read from", error);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int sent = TrySend(buffer.Span);
        return sent == buffer.Length ? ValueTask.CompletedTask : WaitToSendAsync(buffer[sent..], cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WaitToSendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            // The peer is not reading as fast as we send: wait for room in the socket's buffer.
            await _writer.WaitAsync(SelectMode.SelectWrite, cancellationToken).ConfigureAwait(false);
            buffer = buffer[TrySend(buffer.Span)..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int sent = TrySend(buffer);
            buffer = buffer[sent..];
            if (!buffer.IsEmpty) _socket.Poll(-1, SelectMode.SelectWrite);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Sends what the socket's buffer takes now; returns how much.</summary>
    private int TrySend(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _socket.Send(buffer[total..], SocketFlags.None, out SocketError error);
            switch (error)
            {
                case SocketError.Success:
                    total += n;
                    break;
                case SocketError.WouldBlock or SocketError.Interrupted:
                    return total;
                default:
                    throw Failed("write to", error);
            }
        }
        return total;
    }

    /// <summary>The same exception a <see cref="NetworkStream"/> throws, so the session reports a lost connection.</summary>
    private static IOException Failed(string what, SocketError error)
    {
        var inner = new SocketException((int)error);
        return new IOException($"Unable to {what} the transport connection: {inner.Message}.", inner);
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void ArmQuickAck()
    {
        if (!_quickAck) return;
        try
        {
            _socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _quickAck = false; // Not this socket's kind (or kernel): delayed ACKs stay as they are.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                // Ends a poll(2) in progress on either thread, which closing alone would not.
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // Not connected (a failed connect): nothing is waiting on it.
            }
            _reader.Dispose();
            _writer.Dispose();
            _socket.Dispose();
        }
        base.Dispose(disposing);
    }
}
