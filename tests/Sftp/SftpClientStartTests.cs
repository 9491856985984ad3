using System.Buffers.Binary;
using System.Text;
using NUnit.Framework;
using Ssh.Sftp;

namespace Ssh.Tests.Sftp;

/// <summary>Starting a client against servers that answer the version handshake's follow-ups in unusual ways.</summary>
public sealed class SftpClientStartTests
{
    private static byte[] Packet(byte type, params byte[][] fields)
    {
        byte[] data = fields.SelectMany(f => f).ToArray();
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = type;
        data.CopyTo(packet, 5);
        return packet;
    }

    private static byte[] UInt32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] String(string value) => [.. UInt32((uint)Encoding.UTF8.GetByteCount(value)), .. Encoding.UTF8.GetBytes(value)];

    /// <summary>Found by the sftp-client-replies fuzz target: a server that announces limits@openssh.com and then
    /// refuses it (here PERMISSION_DENIED to the client's first request) made the client fail to start with
    /// UnauthorizedAccessException. The default sizes serve instead, as for a server without the extension.</summary>
    [Test, CancelAfter(10_000)]
    public async Task A_server_that_refuses_limits_it_announced_still_gets_a_client(CancellationToken ct)
    {
        byte[] version = Packet(2, UInt32(3), String("limits@openssh.com"), String("1"));
        byte[] refusal = Packet(101, UInt32(1), UInt32(3), String("Permission denied"), String("en"));
        // Each answer comes only once its request was written: VERSION after INIT, the refusal after the request.
        await using var scripted = new ScriptedPeer((1, version), (2, refusal));

        await using SftpClient client = await SftpClient.FromStreamAsync(scripted, ct);
        Assert.That(client.Extensions.ContainsKey("limits@openssh.com"), Is.True);
        // The stream has ended: the next call fails as a lost connection, not the start.
        Assert.CatchAsync<IOException>(() => client.StatAsync("/x", ct));
    }

    /// <summary>A peer that answers from a script: each chunk becomes readable once that many writes (requests) have
    /// arrived, as a real server's answer cannot come before its request; after the script, end of stream.</summary>
    private sealed class ScriptedPeer(params (int AfterWrites, byte[] Bytes)[] script) : Stream
    {
        private readonly SemaphoreSlim _written = new(0);
        private int _writes;
        private int _chunk;
        private int _offset;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_chunk == script.Length) return 0;
            while (Volatile.Read(ref _writes) < script[_chunk].AfterWrites) await _written.WaitAsync(cancellationToken);
            byte[] bytes = script[_chunk].Bytes;
            int n = Math.Min(buffer.Length, bytes.Length - _offset);
            bytes.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            if (_offset == bytes.Length) (_chunk, _offset) = (_chunk + 1, 0);
            return n;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            _written.Release();
            return ValueTask.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
