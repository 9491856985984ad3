using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>The read end of a child's stdout or stderr pipe (<see cref="NonBlockingPipe"/>).</summary>
[SupportedOSPlatform("linux")]
internal sealed class PipeReadStream(int fd) : NonBlockingPipe(fd, write: false)
{
    public override bool CanRead => !IsDisposed;
    public override bool CanWrite => false;

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        byte[] temp = new byte[buffer.Length];
        int n = ReadAsync(temp).AsTask().GetAwaiter().GetResult();
        temp.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Reads what the pipe holds, waiting for something if it is empty; 0 once every writer has closed it.</summary>
    // Pooled: a busy command's every read (write) that has to wait passes through here.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            int n = Transfer(buffer.Span, write: false, "read from a child's pipe");
            if (n >= 0) return n;
            await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What the pipe holds now, without waiting: 0 when it is empty (or at its end).</summary>
    public int ReadWaiting(Span<byte> buffer) => buffer.IsEmpty ? 0 : Math.Max(Transfer(buffer, write: false, "read from a child's pipe"), 0);
}
