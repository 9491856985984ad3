using System.Collections;
using System.Text;

namespace Ssh.Channels;

/// <summary>Which stream of a channel a <see cref="ChannelFile"/> reads or writes.</summary>
public enum ChannelStreamKind
{
    /// <summary>The channel's data stream as received (SSH_MSG_CHANNEL_DATA from the peer): read-only.</summary>
    Stdout,

    /// <summary>The extended data stream of type 1, SSH_EXTENDED_DATA_STDERR (RFC 4254 §5.2): read what the peer
    /// sends, or write it from a server.</summary>
    Stderr,

    /// <summary>The channel's data stream as sent to the peer: write-only; closing sends EOF.</summary>
    Stdin,
}

/// <summary>
/// paramiko's <c>ChannelFile</c>: a file-like view of one channel stream. Reads return bytes or lines (lines keep
/// their trailing newline, as in paramiko; an empty string means end of file). Writes go out at once unless a
/// <c>bufsize</c> of 1 (by line) or more (by size) was asked for; closing a stdin file sends EOF to the remote command.
/// </summary>
public sealed class ChannelFile : IDisposable, IAsyncDisposable, IEnumerable<string>
{
    private const int ReadChunk = 32 * 1024;

    private readonly ChannelStreamKind _kind;
    private readonly int _bufferSize;
    private readonly MemoryStream _writeBuffer = new();
    private byte[] _readBuffer = new byte[ReadChunk];
    private int _readStart;
    private int _readEnd;
    private bool _eof;
    private bool _blocking; // while a blocking twin runs: the channel is read with the blocking Channel.Read
    private bool _closed;

    /// <summary>A file over one stream of <paramref name="channel"/>; <see cref="Channel.MakeFile"/> and its siblings
    /// make these.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="kind">Which of its streams.</param>
    /// <param name="bufferSize">paramiko's bufsize: -1 (the default) or 0 write through, 1 buffers by line (what
    /// precedes the last newline of a write goes at once), anything above 1 buffers writes until that many bytes are
    /// held or <see cref="Flush"/>.</param>
    public ChannelFile(Channel channel, ChannelStreamKind kind, int bufferSize = -1)
    {
        Channel = channel;
        _kind = kind;
        _bufferSize = bufferSize;
    }

    /// <summary>The channel this file reads or writes (paramiko's <c>channel</c> attribute), e.g. for
    /// <see cref="Channel.RecvExitStatus"/>.</summary>
    public Channel Channel { get; }

    /// <summary>True once <see cref="Close"/> (or <see cref="Dispose"/>) was called.</summary>
    public bool Closed => _closed;

    /// <summary>Reads <paramref name="size"/> bytes, fewer only at end of file; all that remains when negative.
    /// Waits for the peer as needed; an empty array means end of file.</summary>
    /// <exception cref="NotSupportedException">This is a stdin file.</exception>
    public async Task<byte[]> ReadAsync(int size = -1, CancellationToken cancellationToken = default)
    {
        var result = new MemoryStream();
        while (size < 0 || result.Length < size)
        {
            if (_readStart == _readEnd && !await FillAsync(cancellationToken).ConfigureAwait(false)) break;
            int take = size < 0 ? _readEnd - _readStart : (int)Math.Min(_readEnd - _readStart, size - result.Length);
            result.Write(_readBuffer, _readStart, take);
            _readStart += take;
        }
        return result.ToArray();
    }

    /// <summary>The blocking twin of <see cref="ReadAsync(int, CancellationToken)"/> (paramiko's <c>read</c>).</summary>
    public byte[] Read(int size = -1) => Blocking(() => ReadAsync(size));

    /// <summary>Reads into <paramref name="buffer"/>; returns how many bytes (0 at end of file).</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readStart < _readEnd)
        {
            int n = Math.Min(buffer.Length, _readEnd - _readStart);
            _readBuffer.AsMemory(_readStart, n).CopyTo(buffer);
            _readStart += n;
            return n;
        }
        if (_eof) return 0;
        int read = await ReadChannelAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0) _eof = true;
        return read;
    }

    /// <summary>Reads one line including its '\n' (decoded as UTF-8); an empty string at end of file.</summary>
    public async Task<string> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        int scanFrom = _readStart;
        while (true)
        {
            int newline = Array.IndexOf(_readBuffer, (byte)'\n', scanFrom, _readEnd - scanFrom);
            if (newline >= 0)
            {
                string line = Encoding.UTF8.GetString(_readBuffer, _readStart, newline + 1 - _readStart);
                _readStart = newline + 1;
                return line;
            }
            scanFrom = _readEnd;
            int before = _readStart;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                string rest = Encoding.UTF8.GetString(_readBuffer, _readStart, _readEnd - _readStart);
                _readStart = _readEnd;
                return rest;
            }
            scanFrom -= before - _readStart; // FillAsync may have compacted the buffer
        }
    }

    /// <summary>The blocking twin of <see cref="ReadLineAsync"/> (paramiko's <c>readline</c>).</summary>
    public string ReadLine() => Blocking(() => ReadLineAsync());

    /// <summary>All remaining lines, each with its newline.</summary>
    public async Task<List<string>> ReadLinesAsync(CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length == 0) return lines;
            lines.Add(line);
        }
    }

    /// <summary>The blocking twin of <see cref="ReadLinesAsync"/> (paramiko's <c>readlines</c>).</summary>
    public List<string> ReadLines() => Blocking(() => ReadLinesAsync());

    /// <summary>Everything that remains, decoded as UTF-8.</summary>
    public async Task<string> ReadToEndAsync(CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await ReadAsync(-1, cancellationToken).ConfigureAwait(false));

    /// <summary>The blocking twin of <see cref="ReadToEndAsync"/>.</summary>
    public string ReadToEnd() => Blocking(() => ReadToEndAsync());

    /// <summary>The remaining lines, each with its newline, read as the loop goes (paramiko's iteration over a
    /// file); blocks like <see cref="ReadLine"/>.</summary>
    public IEnumerator<string> GetEnumerator()
    {
        while (true)
        {
            string line = ReadLine();
            if (line.Length == 0) yield break;
            yield return line;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Moves data into the read buffer; false at end of file.</summary>
    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof) return false;
        if (_readStart > 0 && _readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }
        else if (_readEnd == _readBuffer.Length)
        {
            if (_readStart > 0)
            {
                Array.Copy(_readBuffer, _readStart, _readBuffer, 0, _readEnd - _readStart);
                _readEnd -= _readStart;
                _readStart = 0;
            }
            else
            {
                Array.Resize(ref _readBuffer, _readBuffer.Length * 2);
            }
        }
        int n = await ReadChannelAsync(_readBuffer.AsMemory(_readEnd), cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            _eof = true;
            return false;
        }
        _readEnd += n;
        return true;
    }

    private ValueTask<int> ReadChannelAsync(Memory<byte> buffer, CancellationToken cancellationToken) => _kind switch
    {
        ChannelStreamKind.Stdout => _blocking ? ValueTask.FromResult(Channel.Read(buffer.Span, cancellationToken)) : Channel.ReadAsync(buffer, cancellationToken),
        ChannelStreamKind.Stderr => _blocking ? ValueTask.FromResult(Channel.ReadStderr(buffer.Span, cancellationToken)) : Channel.ReadStderrAsync(buffer, cancellationToken),
        _ => throw new NotSupportedException("This is a stdin file: it can only be written."),
    };

    /// <summary>Runs a read's async form as its blocking twin (paramiko's read, readline...): meanwhile the channel is
    /// read with the blocking <see cref="Channel.Read"/>, which the read loop wakes directly, so every await completes at
    /// once and the whole call stays on the caller's thread, with no thread-pool hop per arrival. A file is one
    /// reader's, as in paramiko: a blocking and an async read at once are not supported.</summary>
    private T Blocking<T>(Func<Task<T>> read)
    {
        _blocking = true;
        try
        {
            return read().GetAwaiter().GetResult();
        }
        finally
        {
            _blocking = false;
        }
    }

    /// <summary>Writes <paramref name="data"/>, buffered as the <c>bufferSize</c> given to the constructor says;
    /// what is sent waits for the peer's window.</summary>
    /// <exception cref="NotSupportedException">This is a stdout file.</exception>
    /// <exception cref="ObjectDisposedException">The file is closed.</exception>
    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (_kind != ChannelStreamKind.Stdin && _kind != ChannelStreamKind.Stderr)
            throw new NotSupportedException("This is a stdout file: it can only be read.");
        if (_bufferSize <= 0)
        {
            // paramiko's default: no buffering, "because otherwise writes will get buffered in a way that will
            // probably confuse people" (a password written to stdin and never flushed).
            await SendAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }
        _writeBuffer.Write(data.Span);
        if (_bufferSize == 1)
        {
            // Line buffered, as paramiko: everything up to the last newline goes, the partial line after it waits.
            int lastNewline = data.Span.LastIndexOf((byte)'\n');
            if (lastNewline >= 0)
            {
                int through = (int)_writeBuffer.Length - (data.Length - lastNewline - 1);
                await SendAsync(_writeBuffer.GetBuffer().AsMemory(0, through), cancellationToken).ConfigureAwait(false);
                byte[] rest = _writeBuffer.GetBuffer().AsSpan(through, (int)_writeBuffer.Length - through).ToArray();
                _writeBuffer.SetLength(0);
                _writeBuffer.Write(rest);
                return;
            }
        }
        if (_writeBuffer.Length >= (_bufferSize > 1 ? _bufferSize : DefaultBufferSize)) await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How much a line-buffered file holds, at most, while no newline comes (paramiko's default bufsize).</summary>
    private const int DefaultBufferSize = 8192;

    /// <summary>Writes <paramref name="text"/> encoded as UTF-8; see <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>.</summary>
    public Task WriteAsync(string text, CancellationToken cancellationToken = default) =>
        WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>The blocking twin of <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> (paramiko's <c>write</c>).</summary>
    public void Write(byte[] data) => WriteAsync(data).GetAwaiter().GetResult();

    /// <summary>The blocking twin of <see cref="WriteAsync(string, CancellationToken)"/>.</summary>
    public void Write(string text) => WriteAsync(text).GetAwaiter().GetResult();

    /// <summary>Writes each string as it is (paramiko's <c>writelines</c>: no newlines are added).</summary>
    public void WriteLines(IEnumerable<string> lines)
    {
        foreach (string line in lines) Write(line);
    }

    /// <summary>Sends what the write buffer holds, waiting for the peer's window as needed.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_writeBuffer.Length == 0) return;
        ReadOnlyMemory<byte> pending = _writeBuffer.GetBuffer().AsMemory(0, (int)_writeBuffer.Length);
        await SendAsync(pending, cancellationToken).ConfigureAwait(false);
        _writeBuffer.SetLength(0);
    }

    /// <summary>The blocking twin of <see cref="FlushAsync"/> (paramiko's <c>flush</c>).</summary>
    public void Flush() => FlushAsync().GetAwaiter().GetResult();

    private ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _kind == ChannelStreamKind.Stderr ? Channel.SendAllStderrAsync(data, cancellationToken) : Channel.SendAllAsync(data, cancellationToken);

    /// <summary>Closes the file: what was written and not yet flushed is sent (unless the channel is closed), and a
    /// stdin file then sends EOF, so the remote command sees the end of its input. The channel itself stays open.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_closed) return;
        try
        {
            // Whatever was written and not yet flushed goes out first, on any stream that can be written (a server's
            // stderr file too); only closing stdin ends the stream with EOF.
            if (_writeBuffer.Length > 0 && !Channel.Closed) await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_kind == ChannelStreamKind.Stdin && !Channel.Closed) await Channel.ShutdownWriteAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _closed = true;
        }
    }

    /// <summary>The blocking twin of <see cref="CloseAsync"/> (paramiko's <c>close</c>).</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Same as <see cref="CloseAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
