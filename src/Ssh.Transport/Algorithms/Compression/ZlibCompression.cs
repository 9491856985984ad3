using System.IO.Compression;

namespace Ssh.Transport.Algorithms.Compression;

/// <summary>
/// <c>zlib</c> (RFC 4253 §6.2, RFC 1950) and <c>zlib@openssh.com</c> (the same, started after authentication,
/// OpenSSH PROTOCOL §1.3): one zlib stream per direction, each packet's payload ended with a sync flush (OpenSSH uses
/// a partial flush; the receiver cannot tell them apart). Built on System.IO.Compression's <see cref="ZLibStream"/>
/// over streams that read from and write to buffers allocated once per direction.
/// </summary>
internal sealed class ZlibCompressor : ICompressor
{
    private readonly BufferSink _sink;
    private readonly ZLibStream _zlib;

    public ZlibCompressor(int maxOutput)
    {
        _sink = new BufferSink(maxOutput);
        // Fastest: OpenSSH's level 6 costs three times the CPU for a few per cent of bytes on typical SSH traffic.
        _zlib = new ZLibStream(_sink, CompressionLevel.Fastest, leaveOpen: true);
    }

    public int Compress(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        _sink.Reset();
        _zlib.Write(payload);
        _zlib.Flush(); // Z_SYNC_FLUSH: everything so far is decodable, and the stream goes on
        ReadOnlySpan<byte> compressed = _sink.Written;
        if (compressed.Length > destination.Length)
            throw new InvalidOperationException($"A compressed payload of {compressed.Length} bytes does not fit the packet.");
        compressed.CopyTo(destination);
        return compressed.Length;
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _sink.Clear();
    }

    /// <summary>A write-only stream into one fixed array.</summary>
    private sealed class BufferSink(int capacity) : Stream
    {
        private readonly byte[] _buffer = new byte[capacity];
        private int _length;

        public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

        public void Reset() => _length = 0;

        public void Clear()
        {
            Array.Clear(_buffer);
            _length = 0;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (buffer.Length > _buffer.Length - _length)
                throw new InvalidOperationException("The compressed payload does not fit the packet.");
            buffer.CopyTo(_buffer.AsSpan(_length));
            _length += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <inheritdoc cref="ZlibCompressor"/>
internal sealed class ZlibDecompressor : IDecompressor
{
    private readonly PacketSource _source = new();
    private readonly ZLibStream _zlib;
    private readonly byte[] _output;
    private readonly int _limit;

    public ZlibDecompressor(int limit)
    {
        _limit = limit;
        _output = new byte[limit + 1]; // one more, to see a payload go past the limit
        _zlib = new ZLibStream(_source, CompressionMode.Decompress, leaveOpen: true);
    }

    public ReadOnlyMemory<byte> Decompress(ReadOnlySpan<byte> compressed)
    {
        _source.Set(compressed);
        int total = 0;
        try
        {
            while (true)
            {
                int n = _zlib.Read(_output, total, _output.Length - total);
                if (n == 0) break;
                total += n;
                if (total > _limit)
                    throw new SshProtocolException(DisconnectReason.CompressionError,
                        $"A compressed packet expands past {_limit / 1024} KiB; this looks like a compression bomb, so the connection is closed.");
            }
        }
        catch (InvalidDataException e)
        {
            throw new SshProtocolException(DisconnectReason.CompressionError, "The peer's compressed data is corrupt (RFC 4253 §6.2): " + e.Message);
        }
        finally
        {
            _source.Clear();
        }
        if (_source.Remaining > 0)
            throw new SshProtocolException(DisconnectReason.CompressionError, "The peer's compressed packet has data after the end of the zlib stream.");
        return _output.AsMemory(0, total);
    }

    public void Dispose()
    {
        _zlib.Dispose();
        Array.Clear(_output);
    }

    /// <summary>A read-only stream over the current packet's bytes: zlib reads what the packet holds, then sees
    /// "no more for now" until the next packet.</summary>
    private sealed class PacketSource : Stream
    {
        private byte[] _data = new byte[4096];
        private int _length;
        private int _position;

        public int Remaining => _length - _position;

        public void Set(ReadOnlySpan<byte> data)
        {
            if (data.Length > _data.Length) _data = new byte[Math.Max(data.Length, _data.Length * 2)];
            data.CopyTo(_data);
            _length = data.Length;
            _position = 0;
        }

        public void Clear()
        {
            Array.Clear(_data, 0, _length);
            _length = _position = 0;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, _length - _position);
            _data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
