using System.Buffers;
using System.IO.Pipelines;

namespace Ssh.InteropTests.Server.Infrastructure;

/// <summary>(A copy of tests/EndToEnd/DuplexPipeStream.cs.) One end of an in-memory, buffered, full-duplex connection: what one end writes the other reads, with up
/// to <see cref="BufferSize"/> bytes in flight each way (like a socket's buffers, unlike a zero-buffer rendezvous
/// that would hide or invent deadlocks). Disposing an end is an orderly close: the peer reads end of stream and its
/// writes fail.</summary>
internal sealed class DuplexPipeStream : Stream
{
    public const int BufferSize = 256 * 1024;

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly object _lock = new();
    private bool _reading;
    private bool _disposed;

    private DuplexPipeStream(PipeReader input, PipeWriter output)
    {
        _input = input;
        _output = output;
    }

    public static (DuplexPipeStream A, DuplexPipeStream B) CreatePair()
    {
        var options = new PipeOptions(pauseWriterThreshold: BufferSize, resumeWriterThreshold: BufferSize / 2, useSynchronizationContext: false);
        var aToB = new Pipe(options);
        var bToA = new Pipe(options);
        return (new DuplexPipeStream(bToA.Reader, aToB.Writer), new DuplexPipeStream(aToB.Reader, bToA.Writer));
    }

    /// <summary>Every byte this end has written, for tests that inspect the wire.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_disposed) return 0;
            _reading = true;
        }
        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled) return 0; // disposed while waiting
                ReadOnlySequence<byte> data = result.Buffer;
                if (!data.IsEmpty)
                {
                    int n = (int)Math.Min(buffer.Length, data.Length);
                    data.Slice(0, n).CopyTo(buffer.Span);
                    _input.AdvanceTo(data.GetPosition(n));
                    return n;
                }
                _input.AdvanceTo(data.End);
                if (result.IsCompleted) return 0;
            }
        }
        finally
        {
            lock (_lock)
            {
                _reading = false;
                if (_disposed) _input.Complete();
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FlushResult result = await _output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
        if (result.IsCanceled) throw new ObjectDisposedException(nameof(DuplexPipeStream));
        if (result.IsCompleted) throw new IOException("The other end of the connection is closed.");
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() { }
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                if (_disposed) return;
                _disposed = true;
                _output.CancelPendingFlush(); // a write waiting for room fails instead of hanging
                _output.Complete();
                if (_reading) _input.CancelPendingRead(); // the reader completes the pipe on its way out
                else _input.Complete();
            }
        }
        base.Dispose(disposing);
    }
}
