using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Channels;

namespace Ssh.Server.Processes;

/// <summary>
/// The read end of a child's stdout or stderr pipe, read without a thread of its own: the fd is non-blocking, a read
/// that finds nothing waits for <see cref="PipeEvents"/> to say the pipe changed. A pipe, not a socket pair, as sshd
/// uses: a command's writes into a pipe cost it less than half what they cost into a Unix socket (no socket buffer
/// per write), measured 0.18 against 0.40 s of CPU per GB on each side.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class PipeReadStream : UnseekableStream
{
    private readonly SafeFd _fd;
    private readonly ulong _registration;
    // A remembered "may be readable": at most one, so a burst of events wakes the reader once.
    private readonly Channel<bool> _ready = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        SingleWriter = true,
    });
    private int _disposed;

    /// <param name="fd">The read end, which this stream owns; made non-blocking here.</param>
    public PipeReadStream(int fd)
    {
        _fd = new SafeFd(fd);
        int flags = LibC.Fcntl(fd, LibC.F_GETFL, 0);
        if (flags < 0 || LibC.Fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK) < 0)
        {
            var error = LibC.LastError("fcntl(O_NONBLOCK) on a child's pipe");
            _fd.Dispose();
            throw error;
        }
        try
        {
            _registration = PipeEvents.Register(fd, () => _ready.Writer.TryWrite(true));
        }
        catch
        {
            _fd.Dispose();
            throw;
        }
    }

    public override bool CanRead => _disposed == 0;
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
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty) return 0;
        while (true)
        {
            int n = TryRead(buffer.Span);
            if (n >= 0) return n;
            try
            {
                await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(nameof(PipeReadStream));
            }
        }
    }

    /// <summary>What the pipe holds now, without waiting: 0 when it is empty (or at its end).</summary>
    public int ReadWaiting(Span<byte> buffer) => buffer.IsEmpty ? 0 : Math.Max(TryRead(buffer), 0);

    /// <summary>One non-blocking read(2): the bytes read, 0 at the end, -1 when the pipe is empty for now.</summary>
    private unsafe int TryRead(Span<byte> buffer)
    {
        bool added = false;
        try
        {
            _fd.DangerousAddRef(ref added); // the fd stays open (and its number ours) for the call
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = LibC.Read((int)_fd.DangerousGetHandle(), p, buffer.Length);
                    if (n >= 0) return (int)n;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR) continue;
                    if (errno == LibC.EAGAIN) return -1;
                    throw LibC.Error("read from a child's pipe", errno);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(PipeReadStream));
        }
        finally
        {
            if (added) _fd.DangerousRelease();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            PipeEvents.Unregister(_registration, (int)_fd.DangerousGetHandle());
            _ready.Writer.TryComplete();
            _fd.Dispose();
        }
        base.Dispose(disposing);
    }
}
