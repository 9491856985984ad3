using System.Runtime.CompilerServices;
using Ssh.Sftp.Client;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

/// <summary>
/// paramiko's <c>SFTPFile</c>: an open remote file, and a <see cref="Stream"/> for .NET code. Sequential reads run
/// ahead of the caller with several READs in flight (all the file's, windowed, after <see cref="Prefetch"/>);
/// writes are buffered into chunks, and with <see cref="SetPipelined"/> are sent without waiting for each answer
/// (an error then surfaces at the next flush or at close). Not safe for concurrent use from several threads.
/// </summary>
public sealed class SftpFile : Stream
{
    private readonly SftpClient _client;
    private readonly SftpOpenFlags _flags;
    private readonly Queue<(long Offset, int Length, ValueTask<ReceivedPacket> Reply)> _readAhead = new();
    private readonly Queue<ValueTask<ReceivedPacket>> _writes = new();
    private ReceivedPacket? _current;
    private ReadOnlyMemory<byte> _currentData;
    private long _currentOffset;
    private long _position;
    private long _lastReadEnd = -1;
    private long _aheadNext;
    private long _eofAt = long.MaxValue;
    private bool _prefetch;
    private bool _pipelined;
    private byte[]? _writeBuffer;
    private int _writeBuffered;
    private long _writeOffset;
    private bool _closed;

    internal SftpFile(SftpClient client, byte[] handle, string path, SftpOpenFlags flags)
    {
        _client = client;
        Handle = handle;
        Path = path;
        _flags = flags;
    }

    /// <summary>The server's handle for the file.</summary>
    internal byte[] Handle { get; }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override bool CanRead => !_closed && (_flags & SftpOpenFlags.Read) != 0;

    /// <inheritdoc/>
    public override bool CanWrite => !_closed && (_flags & SftpOpenFlags.Write) != 0;

    /// <inheritdoc/>
    public override bool CanSeek => !_closed;

    /// <summary>The size from FSTAT (a round trip), counting data still buffered here.</summary>
    public override long Length => Math.Max(StatAsync().GetAwaiter().GetResult().Size ?? 0, _writeOffset + _writeBuffered);

    /// <inheritdoc/>
    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <summary>The file as a <see cref="Stream"/> for .NET code (it is one: this returns the same object).</summary>
    public Stream AsStream() => this;

    /// <summary>paramiko's <c>tell</c>.</summary>
    public long Tell() => _position;

    /// <summary>paramiko's <c>set_pipelined</c>: writes no longer wait for the server's answer; an error is raised
    /// at the next <see cref="Flush"/>, <see cref="Stat"/> or close instead.</summary>
    public void SetPipelined(bool pipelined = true) => _pipelined = pipelined;

    /// <summary>paramiko's <c>prefetch</c>: reads from here on run ahead to the end of the file (or
    /// <paramref name="fileSize"/>), with up to <see cref="SftpClient.MaxRequestsInFlight"/> READs outstanding.</summary>
    public void Prefetch(long? fileSize = null)
    {
        _prefetch = true;
        if (fileSize is { } size) _eofAt = Math.Min(_eofAt, size);
    }

    /// <summary>paramiko's <c>seek(offset, whence)</c>: whence 0 from the start, 1 from here, 2 from the end.</summary>
    public long Seek(long offset, int whence) => Seek(offset, whence switch
    {
        0 => SeekOrigin.Begin, 1 => SeekOrigin.Current, 2 => SeekOrigin.End,
        _ => throw new ArgumentOutOfRangeException(nameof(whence), "whence is 0, 1 or 2."),
    });

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ThrowIfClosed();
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        if (target < 0) throw new IOException("Cannot seek before the start of the file.");
        if (target != _position)
        {
            FlushAsync().GetAwaiter().GetResult();
            _position = target;
        }
        return _position;
    }

    // ---- reading -------------------------------------------------------------------------------------------

    /// <summary>paramiko's <c>read(size)</c>: up to <paramref name="size"/> bytes (all that is left for a negative
    /// size); empty at the end.</summary>
    public async Task<byte[]> ReadAsync(int size, CancellationToken cancellationToken)
    {
        if (size < 0)
        {
            using var all = new MemoryStream();
            await CopyToAsync(all, _client.ReadChunkSize, cancellationToken).ConfigureAwait(false);
            return all.ToArray();
        }
        byte[] buffer = new byte[size];
        int total = 0;
        int n;
        while (total < size && (n = await ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0) total += n;
        return total == size ? buffer : buffer[..total];
    }

    /// <summary>paramiko's <c>read(size)</c>, blocking.</summary>
    public byte[] Read(int size) => ReadAsync(size, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>read()</c>: all that is left.</summary>
    public byte[] Read() => Read(-1);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (buffer.IsEmpty) return 0;
        if (_writeBuffered > 0 || _writes.Count > 0) await FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (_current is not null && _position >= _currentOffset && _position < _currentOffset + _currentData.Length)
            {
                int from = (int)(_position - _currentOffset);
                int n = Math.Min(buffer.Length, _currentData.Length - from);
                _currentData.Span.Slice(from, n).CopyTo(buffer.Span);
                _position += n;
                _lastReadEnd = _position;
                return n;
            }
            ReleaseCurrent();
            if (_position >= _eofAt) return 0;
            if (!await FetchAsync(buffer.Length, cancellationToken).ConfigureAwait(false)) return 0;
        }
    }

    /// <summary>Gets the chunk at the position into <see cref="_current"/>: from the read-ahead queue when it is
    /// next there, else with a READ of its own. False at the end of the file.</summary>
    private async ValueTask<bool> FetchAsync(int wanted, CancellationToken cancellationToken)
    {
        bool sequential = _prefetch || _lastReadEnd == _position;
        if (_readAhead.Count > 0 && _readAhead.Peek().Offset != _position) DropReadAhead();
        if (_readAhead.Count == 0) _aheadNext = _position;
        int chunk = _client.ReadChunkSize;
        int window = _prefetch ? _client.MaxRequestsInFlight : sequential ? Math.Min(16, _client.MaxRequestsInFlight) : 1;
        if (_readAhead.Count == 0 && !sequential) chunk = Math.Clamp(wanted, 1, _client.ReadChunkSize);
        while (_readAhead.Count < window && _aheadNext < _eofAt)
        {
            int length = (int)Math.Min(chunk, _eofAt - _aheadNext);
            _readAhead.Enqueue((_aheadNext, length, SftpFileIo.ReadAsync(_client, Handle, _aheadNext, length, cancellationToken)));
            _aheadNext += length;
        }
        if (_readAhead.Count == 0) return false;
        var (offset, requested, pending) = _readAhead.Dequeue();
        ReceivedPacket reply = await pending.ConfigureAwait(false);
        if (reply.Type == SftpPacketType.Status)
        {
            try
            {
                SftpStatusCode code = SftpReplies.ReadStatus(reply, Path, out string message);
                if (code != SftpStatusCode.Eof) throw SftpException.FromStatus(code, message, Path);
            }
            finally
            {
                reply.Return();
            }
            _eofAt = Math.Min(_eofAt, offset);
            DropReadAhead();
            return false;
        }
        if (reply.Type != SftpPacketType.Data)
        {
            reply.Return();
            throw new SftpProtocolException($"{Path}: a READ was answered with packet type {(byte)reply.Type}.");
        }
        ReadOnlyMemory<byte> data;
        try
        {
            data = SftpFileIo.DataOf(reply, requested);
        }
        catch
        {
            reply.Return();
            throw;
        }
        _current = reply;
        _currentData = data;
        _currentOffset = offset;
        // A short read leaves a gap before the next queued chunk: start the queue again from the data's end.
        if (data.Length < requested) DropReadAhead();
        if (data.Length == 0)
        {
            _eofAt = Math.Min(_eofAt, offset);
            return false;
        }
        return true;
    }

    private void ReleaseCurrent()
    {
        _current?.Return();
        _current = null;
        _currentData = default;
    }

    /// <summary>Forgets the read-ahead; the replies still coming are returned to the pool as they arrive.</summary>
    private void DropReadAhead()
    {
        while (_readAhead.TryDequeue(out var entry)) _ = DiscardAsync(entry.Reply);
    }

    private static async Task DiscardAsync(ValueTask<ReceivedPacket> reply)
    {
        try
        {
            (await reply.ConfigureAwait(false)).Return();
        }
        catch (Exception)
        {
            // Nobody wants this answer: an error in it changes nothing.
        }
    }

    /// <summary>paramiko's <c>readv</c>: the data of each (offset, length) range, with the READs of all of them
    /// pipelined. A range past the end comes back shorter (or empty).</summary>
    public async IAsyncEnumerable<byte[]> ReadVAsync(IEnumerable<(long Offset, int Length)> chunks, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var requests = new Queue<(int Chunk, long Offset, int Length, ValueTask<ReceivedPacket> Reply)>();
        var results = new List<(byte[] Data, int Filled)>();
        var ranges = chunks.ToList();
        int nextRange = 0;
        long rangeOffset = 0;
        int emitted = 0;
        try
        {
            while (emitted < ranges.Count)
            {
                while (requests.Count < _client.MaxRequestsInFlight && nextRange < ranges.Count)
                {
                    var (offset, length) = ranges[nextRange];
                    if (results.Count == nextRange) results.Add((new byte[length], 0));
                    int piece = (int)Math.Min(_client.ReadChunkSize, length - rangeOffset);
                    if (piece > 0) requests.Enqueue((nextRange, offset + rangeOffset, piece, SftpFileIo.ReadAsync(_client, Handle, offset + rangeOffset, piece, cancellationToken)));
                    rangeOffset += piece;
                    if (rangeOffset >= length)
                    {
                        nextRange++;
                        rangeOffset = 0;
                    }
                }
                if (requests.Count > 0)
                {
                    var (chunk, offset, length, pending) = requests.Dequeue();
                    ReceivedPacket reply = await pending.ConfigureAwait(false);
                    try
                    {
                        if (reply.Type == SftpPacketType.Status)
                        {
                            SftpStatusCode code = SftpReplies.ReadStatus(reply, Path, out string message);
                            if (code != SftpStatusCode.Eof) throw SftpException.FromStatus(code, message, Path);
                        }
                        else
                        {
                            ReadOnlyMemory<byte> data = SftpFileIo.DataOf(reply, length);
                            long at = offset - ranges[chunk].Offset;
                            data.Span.CopyTo(results[chunk].Data.AsSpan((int)at));
                            results[chunk] = (results[chunk].Data, Math.Max(results[chunk].Filled, (int)at + data.Length));
                        }
                    }
                    finally
                    {
                        reply.Return();
                    }
                }
                // Emit every finished range in order: one with no request left in the queue.
                while (emitted < ranges.Count && emitted < nextRange && !requests.Any(r => r.Chunk == emitted))
                {
                    var (data, filled) = results[emitted];
                    results[emitted] = ([], 0);
                    emitted++;
                    yield return filled == data.Length ? data : data[..filled];
                }
            }
        }
        finally
        {
            while (requests.TryDequeue(out var left)) _ = DiscardAsync(left.Reply);
        }
    }

    /// <summary>paramiko's <c>readv</c>, blocking.</summary>
    public IEnumerable<byte[]> ReadV(IEnumerable<(long Offset, int Length)> chunks) => ReadVAsync(chunks).ToBlockingEnumerable();

    // ---- writing -------------------------------------------------------------------------------------------

    /// <summary>paramiko's <c>write(data)</c>.</summary>
    public void Write(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        WriteAsync(data.AsMemory(), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        if (!CanWrite) throw new NotSupportedException($"{Path} was not opened for writing.");
        if (_readAhead.Count > 0 || _current is not null)
        {
            DropReadAhead();
            ReleaseCurrent();
        }
        int chunk = Math.Min(_client.WriteChunkSize, SftpClient.MaxPacketLength - SftpFileIo.WriteOverhead(Handle));
        while (!buffer.IsEmpty)
        {
            if (_writeBuffered == 0) _writeOffset = _position;
            _writeBuffer ??= new byte[chunk];
            int n = Math.Min(buffer.Length, chunk - _writeBuffered);
            buffer.Span[..n].CopyTo(_writeBuffer.AsSpan(_writeBuffered));
            _writeBuffered += n;
            _position += n;
            buffer = buffer[n..];
            if (_writeBuffered == chunk) await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
        }
        _eofAt = long.MaxValue;
    }

    private async ValueTask SendBufferedAsync(CancellationToken cancellationToken)
    {
        if (_writeBuffered == 0) return;
        SftpFileIo.WriteBuilder write = SftpFileIo.BeginWrite(_client, Handle, _writeOffset, _writeBuffered, out Memory<byte> data);
        _writeBuffer.AsSpan(0, _writeBuffered).CopyTo(data.Span);
        _writeOffset += _writeBuffered;
        _writeBuffered = 0;
        ValueTask<ReceivedPacket> reply = write.SendAsync(cancellationToken);
        if (!_pipelined)
        {
            SftpReplies.Status(await reply.ConfigureAwait(false), Path);
            return;
        }
        _writes.Enqueue(reply);
        while (_writes.Count >= _client.MaxRequestsInFlight)
            SftpReplies.Status(await _writes.Dequeue().ConfigureAwait(false), Path);
    }

    /// <summary>Sends buffered data and waits for every pipelined write's answer (the first error is raised).</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_closed) return;
        await SendBufferedAsync(cancellationToken).ConfigureAwait(false);
        Exception? first = null;
        while (_writes.TryDequeue(out var reply))
        {
            try
            {
                SftpReplies.Status(await reply.ConfigureAwait(false), Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                first ??= e;
            }
        }
        if (first is not null) throw first;
    }

    /// <inheritdoc/>
    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    // ---- attributes and extensions -------------------------------------------------------------------------

    /// <summary>paramiko's <c>stat</c> (FSTAT) on the open file.</summary>
    public async Task<SftpAttributes> StatAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return SftpReplies.Attributes(await _client.HandleRequestAsync(SftpPacketType.FStat, Handle, cancellationToken).ConfigureAwait(false), Path);
    }

    /// <summary>paramiko's <c>stat</c>.</summary>
    public SftpAttributes Stat() => StatAsync().GetAwaiter().GetResult();

    /// <summary>FSETSTAT: changes the attributes set in <paramref name="attributes"/>.</summary>
    public async Task SetStatAsync(SftpAttributes attributes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        ThrowIfClosed();
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        SftpReplies.Status(await _client.RequestAsync(SftpPacketType.FSetStat, (Handle, attributes), static (ref SftpPacketWriter w, (byte[] Handle, SftpAttributes Attributes) s) =>
        {
            w.WriteString(s.Handle);
            s.Attributes.Write(ref w);
        }, cancellationToken).ConfigureAwait(false), Path);
    }

    /// <summary>FSETSTAT, blocking.</summary>
    public void SetStat(SftpAttributes attributes) => SetStatAsync(attributes).GetAwaiter().GetResult();

    /// <summary>paramiko's <c>chmod</c> on the open file.</summary>
    public void Chmod(uint mode) => SetStat(new SftpAttributes { Mode = mode });

    /// <summary>paramiko's <c>chown</c> on the open file.</summary>
    public void Chown(uint uid, uint gid) => SetStat(new SftpAttributes { Uid = uid, Gid = gid });

    /// <summary>paramiko's <c>utime</c> on the open file; null sets both times to now.</summary>
    public void Utime((DateTimeOffset Access, DateTimeOffset Modified)? times)
    {
        var (access, modified) = times ?? (DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        SetStat(new SftpAttributes { ATime = SftpClient.ToUnix(access), MTime = SftpClient.ToUnix(modified) });
    }

    /// <summary>paramiko's <c>truncate</c> on the open file.</summary>
    public void Truncate(long size) => SetStat(new SftpAttributes { Size = size });

    /// <inheritdoc/>
    public override void SetLength(long value) => Truncate(value);

    /// <summary>fsync@openssh.com: the server flushes the file to stable storage.</summary>
    public async Task FsyncAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        _client.RequireExtension(SftpExtensionNames.Fsync);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        SftpReplies.Status(await _client.ExtendedAsync(SftpExtensionNames.Fsync, Handle, static (ref SftpPacketWriter w, byte[] h) => w.WriteString(h),
            cancellationToken).ConfigureAwait(false), Path);
    }

    /// <summary>fsync@openssh.com, blocking.</summary>
    public void Fsync() => FsyncAsync().GetAwaiter().GetResult();

    /// <summary>fstatvfs@openssh.com: the figures of the file system holding this file.</summary>
    public async Task<SftpStatVfs> StatVfsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        _client.RequireExtension(SftpExtensionNames.FStatVfs);
        return SftpClient.StatVfsReply(await _client.ExtendedAsync(SftpExtensionNames.FStatVfs, Handle, static (ref SftpPacketWriter w, byte[] h) => w.WriteString(h),
            cancellationToken).ConfigureAwait(false), Path);
    }

    // ---- closing -------------------------------------------------------------------------------------------

    /// <summary>Flushes and closes the handle (paramiko's <c>close</c>); an error from a pipelined write is raised here.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_closed) return;
        Exception? error = null;
        try
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e;
        }
        _closed = true;
        DropReadAhead();
        ReleaseCurrent();
        await _client.CloseHandleAsync(Handle, Path, cancellationToken).ConfigureAwait(false);
        if (error is not null) throw error;
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseAsync().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(_closed, this);

    /// <inheritdoc/>
    public override string ToString() => $"SftpFile {Path}";
}
