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
        await using var stream = new MemoryStream([.. version, .. refusal]);
        await using var scripted = new ReadOnlyThenEnd(stream);

        await using SftpClient client = await SftpClient.FromStreamAsync(scripted, ct);
        Assert.That(client.Extensions.ContainsKey("limits@openssh.com"), Is.True);
        // The stream has ended: the next call fails as a lost connection, not the start.
        Assert.CatchAsync<IOException>(() => client.StatAsync("/x", ct));
    }

    /// <summary>Reads from a fixed script, then end of stream; writes go nowhere.</summary>
    private sealed class ReadOnlyThenEnd(MemoryStream script) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => script.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => script.ReadAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) { }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
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
