using System.Buffers.Binary;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Client;

/// <summary>READ and WRITE on a handle, the two requests of the data path, built without a closure or a copy the
/// packet does not need: a WRITE's data is written straight into the pooled packet by the caller.</summary>
internal static class SftpFileIo
{
    /// <summary>The bytes a WRITE packet holds besides its data: length, type, id, handle string, offset, data length.</summary>
    public static int WriteOverhead(byte[] handle) => 4 + 1 + 4 + 4 + handle.Length + 8 + 4;

    /// <summary>READ <paramref name="length"/> bytes at <paramref name="offset"/>. The reply is a DATA packet (its
    /// data at <see cref="DataOf"/>) or a STATUS (EOF, or an error). <paramref name="resumeOnReplyThread"/> is for
    /// the transfer lanes only (see <see cref="PendingReply.Start"/>).</summary>
    public static ValueTask<ReceivedPacket> ReadAsync(SftpClient client, byte[] handle, long offset, int length, CancellationToken cancellationToken,
        bool resumeOnReplyThread = false)
    {
        uint id = client.Pipe.NextId();
        var writer = new SftpPacketWriter(SftpPacketType.Read, id, 32 + handle.Length);
        writer.WriteString(handle);
        writer.WriteUInt64((ulong)offset);
        writer.WriteUInt32((uint)length);
        return client.Pipe.RequestAsync(id, writer.Finish(), cancellationToken, resumeOnReplyThread);
    }

    /// <summary>Starts a WRITE whose data the caller fills into <paramref name="data"/> (exactly
    /// <paramref name="length"/> bytes, or fewer with <see cref="WriteBuilder.Shorten"/>), then sends with
    /// <see cref="WriteBuilder.SendAsync"/>.</summary>
    public static WriteBuilder BeginWrite(SftpClient client, byte[] handle, long offset, int length, out Memory<byte> data)
    {
        uint id = client.Pipe.NextId();
        var writer = new SftpPacketWriter(SftpPacketType.Write, id, WriteOverhead(handle) + length);
        writer.WriteString(handle);
        writer.WriteUInt64((ulong)offset);
        writer.WriteUInt32((uint)length);
        data = writer.GetMemory(length);
        writer.Advance(length);
        SftpPacket packet = writer.Finish();
        return new WriteBuilder(client, id, packet, length);
    }

    /// <summary>The data of a DATA reply, after checking its length against what was asked.</summary>
    public static ReadOnlyMemory<byte> DataOf(ReceivedPacket reply, int requested)
    {
        SftpReader reader = reply.Reader();
        int length = reader.ReadBytes().Length;
        if (length > requested) throw new SftpProtocolException($"The server returned {length} bytes for a read of {requested}.");
        return reply.Buffer.AsMemory(reply.Length - length, length);
    }

    /// <summary>A WRITE packet being filled; the handle of its pooled buffer until sent.</summary>
    internal readonly struct WriteBuilder(SftpClient client, uint id, SftpPacket packet, int length)
    {
        private readonly int _capacity = length;

        /// <summary>The data turned out shorter (end of the source): rewrite the two lengths.</summary>
        public WriteBuilder Shorten(int actual, int handleLength)
        {
            if (actual == _capacity) return this;
            byte[] buffer = packet.Buffer;
            int dataLengthAt = 4 + 1 + 4 + 4 + handleLength + 8;
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(dataLengthAt), (uint)actual);
            int total = dataLengthAt + 4 + actual;
            BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(total - 4));
            return new WriteBuilder(client, id, new SftpPacket(buffer, total), actual);
        }

        public ValueTask<ReceivedPacket> SendAsync(CancellationToken cancellationToken, bool resumeOnReplyThread = false) =>
            client.Pipe.RequestAsync(id, packet, cancellationToken, resumeOnReplyThread);

        /// <summary>Gives the buffer back without sending.</summary>
        public void Abandon() => packet.Return();
    }
}
