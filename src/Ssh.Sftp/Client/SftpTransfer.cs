using Microsoft.Win32.SafeHandles;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Client;

/// <summary>
/// The pipelined data path of <see cref="SftpClient.Get"/> and <see cref="SftpClient.Put"/>: up to
/// <see cref="SftpClient.MaxRequestsInFlight"/> "lanes", each of which takes the next chunk's offset, runs its
/// READ or WRITE, and moves its data straight between the pooled packet buffer and the local file at that offset,
/// so chunks land out of order and memory stays at one packet per lane whatever the file size. A destination that
/// cannot seek gets its chunks in order: a lane waits for its turn, so still only one packet per lane is held.
/// Between a local file and the server, a lane resumes on the reply thread when its reply comes and makes its file
/// call and its next request there, with no thread-pool hop per reply; the progress callback is called from the pool
/// (<see cref="TransferProgress"/>), and the caller resumes on the pool.
/// </summary>
internal sealed class SftpTransfer
{
    private readonly SftpClient _client;
    private readonly byte[] _handle;
    private readonly string _path;
    private readonly int _chunk;
    private readonly TransferProgress? _progress;
    private readonly long _total;
    private readonly object _lock = new();
    private long _next;
    private long _end = long.MaxValue;
    private long _done;

    private SftpTransfer(SftpClient client, byte[] handle, string path, long start, int chunk, long total, Action<long, long>? progress)
    {
        _client = client;
        _handle = handle;
        _path = path;
        _next = start;
        _chunk = chunk;
        _total = total;
        _progress = progress is null ? null : new TransferProgress(progress);
        _done = start;
    }

    /// <summary>Where downloaded chunks go: at their offset, or in order.</summary>
    internal interface IDestination
    {
        ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

        /// <summary>True when a write is a local file call that waits on nothing but the disk: a lane may then make
        /// it on the SFTP reply thread (see <see cref="PendingReply.Start"/>). A caller's stream may wait on anything,
        /// this client's own replies included, so it is written from the thread pool.</summary>
        bool WaitsOnlyOnDisk { get; }
    }

    /// <summary>Where uploaded chunks come from: the bytes at an offset, or the next bytes of a stream.</summary>
    internal interface ISource
    {
        /// <summary>Fills <paramref name="buffer"/> with the bytes at <paramref name="offset"/> (a stream ignores it:
        /// the transfer hands out offsets in stream order under its lock); 0 at the end.</summary>
        ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

        /// <summary>True when reads must be taken in order, one at a time.</summary>
        bool Sequential { get; }

        /// <summary>As <see cref="IDestination.WaitsOnlyOnDisk"/>.</summary>
        bool WaitsOnlyOnDisk { get; }
    }

    /// <summary>Downloads from <paramref name="start"/> to the end of the remote file; returns the file's final size.
    /// <paramref name="expectedSize"/> (-1: unknown) only sizes the number of lanes and the progress total.</summary>
    public static async Task<long> DownloadAsync(SftpClient client, byte[] handle, string path, long start, long expectedSize,
        IDestination destination, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var transfer = new SftpTransfer(client, handle, path, start, client.ReadChunkSize, expectedSize, progress);
        int lanes = LaneCount(client, expectedSize - start, client.ReadChunkSize);
        await transfer.RunLanesAsync(lanes, ct => transfer.DownloadLaneAsync(destination, ct), cancellationToken).ConfigureAwait(false);
        return transfer._end == long.MaxValue ? transfer._done : transfer._end;
    }

    /// <summary>Uploads the source from <paramref name="start"/> to its end; returns the bytes now in the remote file.</summary>
    public static async Task<long> UploadAsync(SftpClient client, byte[] handle, string path, long start, long expectedSize,
        ISource source, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        int chunk = Math.Min(client.WriteChunkSize, SftpClient.MaxPacketLength - SftpFileIo.WriteOverhead(handle));
        var transfer = new SftpTransfer(client, handle, path, start, chunk, expectedSize, progress);
        int lanes = LaneCount(client, expectedSize - start, chunk);
        var order = source.Sequential ? new SemaphoreSlim(1, 1) : null;
        try
        {
            await transfer.RunLanesAsync(lanes, ct => transfer.UploadLaneAsync(source, order, ct), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            order?.Dispose();
        }
        return transfer._end == long.MaxValue ? transfer._next : transfer._end;
    }

    private static int LaneCount(SftpClient client, long remaining, int chunk) =>
        (int)Math.Clamp(remaining < 0 ? long.MaxValue : remaining / chunk + 1, 1, Math.Max(1, client.MaxRequestsInFlight));

    private async Task RunLanesAsync(int lanes, Func<CancellationToken, Task> lane, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task[lanes];
        for (int i = 0; i < lanes; i++)
        {
            tasks[i] = RunOneAsync();
        }
        try
        {
            // The last lane may finish on the reply thread: the caller resumes on the pool instead.
            await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        }
        catch
        {
            if (_progress is not null) await _progress.CompleteAsync(transferFailed: true).ConfigureAwait(false);
            // The first real error, not the cancellations it caused in the other lanes.
            Exception? first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (first is not null) throw first;
            throw;
        }
        if (_progress is not null) await _progress.CompleteAsync(transferFailed: false).ConfigureAwait(false);

        async Task RunOneAsync()
        {
            try
            {
                await lane(failed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>The next chunk's offset, or -1 when the end is known to be before it.</summary>
    private long Claim(int length)
    {
        lock (_lock)
        {
            if (_next >= _end) return -1;
            long offset = _next;
            _next += length;
            return offset;
        }
    }

    private void EndAt(long offset)
    {
        lock (_lock) _end = Math.Min(_end, offset);
    }

    private void Progress(int bytes)
    {
        if (bytes == 0) return;
        lock (_lock)
        {
            _done += bytes;
            _progress?.Report(_done, Math.Max(_total, _done));
        }
    }

    private async Task DownloadLaneAsync(IDestination destination, CancellationToken cancellationToken)
    {
        long offset;
        while ((offset = Claim(_chunk)) >= 0)
        {
            long stop = offset + _chunk;
            while (offset < stop)
            {
                int want = (int)(stop - offset);
                ReceivedPacket reply = await SftpFileIo.ReadAsync(_client, _handle, offset, want, cancellationToken, destination.WaitsOnlyOnDisk).ConfigureAwait(false);
                int got;
                try
                {
                    if (reply.Type == SftpPacketType.Status)
                    {
                        SftpStatusCode code = SftpReplies.ReadStatus(reply, _path, out string message);
                        if (code != SftpStatusCode.Eof) throw SftpException.FromStatus(code, message, _path);
                        EndAt(offset);
                        return;
                    }
                    if (reply.Type != SftpPacketType.Data) throw new SftpProtocolException($"{_path}: a READ was answered with packet type {(byte)reply.Type}.");
                    ReadOnlyMemory<byte> data = SftpFileIo.DataOf(reply, want);
                    got = data.Length;
                    if (got == 0)
                    {
                        EndAt(offset);
                        return;
                    }
                    await destination.WriteAsync(offset, data, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    reply.Return();
                }
                Progress(got);
                // A short read (the server may return less than asked) continues where it stopped.
                offset += got;
            }
        }
    }

    private async Task UploadLaneAsync(ISource source, SemaphoreSlim? order, CancellationToken cancellationToken)
    {
        while (true)
        {
            long offset;
            int got;
            SftpFileIo.WriteBuilder write;
            if (order is not null) await order.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // A file hands each lane its own chunk; a stream is read in order, so its offset is known only after
                // the previous lane's read, under the order lock.
                offset = Claim(order is null ? _chunk : 0);
                if (offset < 0) return;
                write = SftpFileIo.BeginWrite(_client, _handle, offset, _chunk, out Memory<byte> data);
                try
                {
                    got = await source.ReadAsync(offset, data, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    write.Abandon();
                    throw;
                }
                if (order is not null)
                {
                    lock (_lock) _next = offset + got;
                }
                if (got < _chunk) EndAt(offset + got);
                if (got == 0)
                {
                    write.Abandon();
                    return;
                }
            }
            finally
            {
                order?.Release();
            }
            write = write.Shorten(got, _handle.Length);
            SftpReplies.Status(await write.SendAsync(cancellationToken, source.WaitsOnlyOnDisk).ConfigureAwait(false), _path);
            Progress(got);
        }
    }

    // ---- local ends ----------------------------------------------------------------------------------------

    /// <summary>A local file written at each chunk's offset. The write is made where the reply resumed its lane (the
    /// reply thread, on Unix): an asynchronous file write there is the same blocking pwrite(2), only queued to a pool
    /// thread first. A slow disk therefore holds up the session's other replies for one write at most. One write at a
    /// time: the kernel serialises writes to one file on its inode lock anyway, and lanes that reach it
    /// together would spin on that lock (a fifth of the client's CPU in a 1 GiB get) where here they sleep.</summary>
    internal sealed class FileDestination(SafeFileHandle file) : IDestination
    {
        private readonly Lock _writing = new();

        public bool WaitsOnlyOnDisk => !OperatingSystem.IsWindows();

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (!OperatingSystem.IsWindows())
            {
                cancellationToken.ThrowIfCancellationRequested();
                lock (_writing) RandomAccess.Write(file, data.Span, offset);
                return ValueTask.CompletedTask;
            }
            return RandomAccess.WriteAsync(file, data, offset, cancellationToken);
        }
    }

    /// <summary>A stream that cannot seek: each chunk waits until every byte before it was written.</summary>
    internal sealed class OrderedDestination(Stream stream, long start) : IDestination
    {
        private readonly Dictionary<long, TaskCompletionSource> _turns = [];
        private long _written = start;

        public bool WaitsOnlyOnDisk => false;

        public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Task? turn = null;
            lock (_turns)
            {
                if (_written != offset)
                {
                    var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _turns[offset] = waiter;
                    turn = waiter.Task;
                }
            }
            if (turn is not null) await turn.WaitAsync(cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            TaskCompletionSource? next;
            lock (_turns)
            {
                _written = offset + data.Length;
                _turns.Remove(_written, out next);
            }
            next?.TrySetResult();
        }
    }

    /// <summary>A local file read at each chunk's offset, by any number of lanes at once.</summary>
    internal sealed class FileSource(SafeFileHandle file) : ISource
    {
        public bool Sequential => false;

        public bool WaitsOnlyOnDisk => !OperatingSystem.IsWindows();

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                // As for writes: on Unix the asynchronous read is the same blocking pread(2) on another pool thread.
                cancellationToken.ThrowIfCancellationRequested();
                int n = OperatingSystem.IsWindows()
                    ? await RandomAccess.ReadAsync(file, buffer[total..], offset + total, cancellationToken).ConfigureAwait(false)
                    : RandomAccess.Read(file, buffer[total..].Span, offset + total);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
    }

    /// <summary>A stream read front to back, one chunk at a time.</summary>
    internal sealed class StreamSource(Stream stream) : ISource
    {
        public bool Sequential => true;

        public bool WaitsOnlyOnDisk => false;

        public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
            await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
    }
}
