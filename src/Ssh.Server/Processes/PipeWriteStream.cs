using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>The write end of a child's stdin pipe (<see cref="NonBlockingPipe"/>); disposing it is the child's
/// end-of-file. A child that closed its stdin makes writes fail with an <see cref="IOException"/> (EPIPE).</summary>
[SupportedOSPlatform("linux")]
internal sealed class PipeWriteStream(int fd) : NonBlockingPipe(fd, write: true)
{
    public override bool CanRead => false;
    public override bool CanWrite => !IsDisposed;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Writes all of <paramref name="buffer"/>, waiting while the pipe is full.</summary>
    // Pooled: a busy command's every read (write) that has to wait passes through here.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            // The memory is only read: Transfer takes a Span for both directions.
            int n = Transfer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer).Span, write: true, "write to a child's stdin");
            if (n >= 0)
            {
                buffer = buffer[n..];
                continue;
            }
            await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
