using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading.Channels;

namespace Ssh.Server.Processes;

/// <summary>
/// A stream over a pty master. A tty fd cannot go through Socket's epoll engine, and FileStream would
/// park a thread-pool thread in every read; so two dedicated threads do the syscalls — one reads into a
/// bounded queue (at most two chunks ahead, so a reader that stops reading stops the child through the
/// terminal's own flow control), one writes what <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// queues. The master is non-blocking and both threads poll it together with an eventfd, so disposing
/// wakes them at once even when a background process still holds the slave open.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class PtyStream : UnseekableStream
{
    private const int ChunkSize = 16 * 1024;

    private readonly SafeFd _master;
    private readonly SafeFd _wake;
    private readonly Channel<ArraySegment<byte>> _incoming =
        Channel.CreateBounded<ArraySegment<byte>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
    private readonly Channel<WriteRequest> _outgoing =
        Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private ArraySegment<byte> _current;
    private int _disposed;
    private volatile Exception? _writeError;

    private sealed record WriteRequest(byte[] Buffer, int Count, TaskCompletionSource Done);

    public PtyStream(int masterFd)
    {
        _master = new SafeFd(masterFd);
        int wake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wake < 0)
        {
            var error = LibC.LastError("eventfd");
            _master.Dispose();
            throw error;
        }
        _wake = new SafeFd(wake);
        Start(ReadLoop, $"pty read {masterFd}");
        Start(WriteLoop, $"pty write {masterFd}");
    }

    /// <summary>The master fd, for ioctls; valid until the stream is disposed.</summary>
    public SafeFd Master => _master;

    private static void Start(Action loop, string name) =>
        new Thread(() => loop(), 256 * 1024) { IsBackground = true, Name = name }.UnsafeStart();

    public override bool CanRead => true;
    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        byte[] array = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            int n = ReadAsync(array.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            array.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Returns 0 once the terminal has hung up (every slave fd closed: the child and its descendants are done with it).</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }
        if (_current.Count == 0)
        {
            // Throws the read thread's error, if it ended with one.
            if (!await _incoming.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) ||
                !_incoming.Reader.TryRead(out _current))
            {
                return 0;
            }
        }
        int n = Math.Min(buffer.Length, _current.Count);
        _current.AsSpan(0, n).CopyTo(buffer.Span);
        _current = _current[n..];
        if (_current.Count == 0)
        {
            ArrayPool<byte>.Shared.Return(_current.Array!);
            _current = default;
        }
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => Enqueue(buffer).GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Completes once the bytes are in the terminal's input queue.</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Enqueue(buffer.Span).WaitAsync(cancellationToken));

    /// <summary>Queues bytes behind those already queued; the copy leaves the caller's buffer free at once.</summary>
    public Task Enqueue(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (bytes.IsEmpty)
        {
            return Task.CompletedTask;
        }
        byte[] copy = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(copy);
        var request = new WriteRequest(copy, bytes.Length, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_outgoing.Writer.TryWrite(request))
        {
            ArrayPool<byte>.Shared.Return(copy);
            return Task.FromException(_writeError ?? new ObjectDisposedException(nameof(PtyStream)));
        }
        return request.Done.Task;
    }

    private unsafe void ReadLoop()
    {
        Exception? error = null;
        bool added = false, wakeAdded = false;
        try
        {
            _master.DangerousAddRef(ref added);
            _wake.DangerousAddRef(ref wakeAdded);
            int fd = (int)_master.DangerousGetHandle();
            while (true)
            {
                byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
                nint n;
                fixed (byte* p = chunk)
                {
                    n = LibC.Read(fd, p, chunk.Length);
                }
                if (n > 0)
                {
                    if (!Push(new ArraySegment<byte>(chunk, 0, (int)n)))
                    {
                        return;
                    }
                    continue;
                }
                ArrayPool<byte>.Shared.Return(chunk);
                int errno = n == 0 ? 0 : Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    if (!WaitFor(fd, LibC.POLLIN))
                    {
                        return;
                    }
                }
                else if (errno != LibC.EINTR)
                {
                    // EIO: the last slave fd has been closed. That is the end of the stream, not an error.
                    if (errno is not (0 or LibC.EIO))
                    {
                        error = LibC.Error("read from the pty master", errno);
                    }
                    return;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            _incoming.Writer.TryComplete(error);
            Release(added, wakeAdded);
        }
    }

    // Hands a chunk to the reader, waiting (on this dedicated thread) while the queue is full.
    private bool Push(ArraySegment<byte> chunk)
    {
        while (!_incoming.Writer.TryWrite(chunk))
        {
            if (!_incoming.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult())
            {
                ArrayPool<byte>.Shared.Return(chunk.Array!);
                return false;
            }
        }
        return true;
    }

    private void WriteLoop()
    {
        bool added = false, wakeAdded = false;
        WriteRequest? request = null;
        try
        {
            _master.DangerousAddRef(ref added);
            _wake.DangerousAddRef(ref wakeAdded);
            int fd = (int)_master.DangerousGetHandle();
            while (_outgoing.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_outgoing.Reader.TryRead(out request))
                {
                    WriteAll(fd, request);
                    ArrayPool<byte>.Shared.Return(request.Buffer);
                    request.Done.TrySetResult();
                    request = null;
                }
            }
        }
        catch (Exception e)
        {
            _writeError = e;
            request?.Done.TrySetException(e);
            _outgoing.Writer.TryComplete();
        }
        finally
        {
            // Whatever is still queued will never be written.
            while (_outgoing.Reader.TryRead(out var left))
            {
                left.Done.TrySetException(_writeError ?? new ObjectDisposedException(nameof(PtyStream)));
            }
            Release(added, wakeAdded);
        }
    }

    private void Release(bool master, bool wake)
    {
        if (master)
        {
            _master.DangerousRelease();
        }
        if (wake)
        {
            _wake.DangerousRelease();
        }
    }

    private unsafe void WriteAll(int fd, WriteRequest request)
    {
        int offset = 0;
        while (offset < request.Count)
        {
            nint n;
            fixed (byte* p = request.Buffer)
            {
                n = LibC.Write(fd, p + offset, request.Count - offset);
            }
            if (n >= 0)
            {
                offset += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAGAIN)
            {
                if (!WaitFor(fd, LibC.POLLOUT))
                {
                    throw new ObjectDisposedException(nameof(PtyStream));
                }
            }
            else if (errno != LibC.EINTR)
            {
                throw errno == LibC.EIO
                    ? new IOException("The terminal has hung up: the child has closed it.")
                    : LibC.Error("write to the pty master", errno);
            }
        }
    }

    // Blocks until the master is ready for events or the stream is disposed (false).
    private unsafe bool WaitFor(int fd, short events)
    {
        LibC.PollFd* fds = stackalloc LibC.PollFd[2];
        fds[0] = new LibC.PollFd { Fd = fd, Events = events };
        fds[1] = new LibC.PollFd { Fd = (int)_wake.DangerousGetHandle(), Events = LibC.POLLIN };
        while (true)
        {
            if (_disposed != 0)
            {
                return false;
            }
            int n = LibC.Poll(fds, 2, -1);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                throw LibC.Error("poll", errno);
            }
            // POLLHUP/POLLERR on the master: let read/write report it.
            return fds[1].REvents == 0;
        }
    }

    protected override unsafe void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _outgoing.Writer.TryComplete();
            _incoming.Writer.TryComplete();
            // An eventfd stays readable once written: every poll, now or later, returns at once.
            ulong one = 1;
            LibC.Write((int)_wake.DangerousGetHandle(), (byte*)&one, sizeof(ulong));
            // The fds close when the threads have let go of them.
            _master.Dispose();
            _wake.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>An fd owned through a SafeHandle, so threads using it keep it open with DangerousAddRef.</summary>
[SupportedOSPlatform("linux")]
internal sealed class SafeFd : SafeHandle
{
    public SafeFd(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}
