using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Sftp;
using Ssh.Sftp.Protocol;
using Ssh.Sftp.Server;
using Ssh.Tests.EndToEnd;
using Scope = Ssh.Sftp.Server.SftpRequestScheduler.Scope;
using Request = Ssh.Sftp.Server.SftpRequestScheduler.Request;

namespace Ssh.Tests.Sftp;

/// <summary>The server session: the ordering table, a slow read that stalls nobody else, and a malformed packet that
/// ends only the subsystem, with a log line.</summary>
public sealed class SftpServerSessionTests
{
    private static IEnumerable<TestCaseData> Conflicts()
    {
        TestCaseData Case(Request earlier, Request later, bool conflict) => new TestCaseData((object)earlier, later).Returns(conflict);
        yield return Case(new(Scope.Read, 1, 0, 10), new(Scope.Read, 1, 5, 15), false).SetName("reads never wait for reads");
        yield return Case(new(Scope.Write, 1, 0, 10), new(Scope.Read, 1, 5, 15), true).SetName("an overlapping read waits for a write");
        yield return Case(new(Scope.Write, 1, 0, 10), new(Scope.Write, 1, 10, 20), false).SetName("adjacent writes run together");
        yield return Case(new(Scope.Write, 1, 0, 10), new(Scope.Write, 2, 0, 10), false).SetName("other handles are independent");
        yield return Case(new(Scope.Read, 1, 0, 10), new(Scope.Handle, 1), true).SetName("close waits for the handle's reads");
        yield return Case(new(Scope.Read, 1, 0, 10), new(Scope.Query), false).SetName("a stat does not wait for a read");
        yield return Case(new(Scope.Write, 1, 0, 10), new(Scope.Query), true).SetName("a stat waits for a write");
        yield return Case(new(Scope.Read, 1, 0, 10), new(Scope.Global), true).SetName("a rename waits for everything");
        yield return Case(new(Scope.Global), new(Scope.Read, 1, 0, 10), true).SetName("everything waits for a rename");
    }

    [TestCaseSource(nameof(Conflicts))]
    public bool Conflict(object earlier, object later) => ((Request)later).ConflictsWith((Request)earlier);

    /// <summary>A file system whose file "/slow" blocks every read until released.</summary>
    private sealed class SlowReads : SftpServerInterface
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override SftpAttributes Stat(string path) => new() { Size = 3, Mode = SftpAttributes.TypeRegular | 0x1A4 };

        public override SftpHandle Open(string path, SftpOpenFlags flags, SftpAttributes attributes) => new Handle(path == "/slow" ? Release.Task : Task.CompletedTask);

        private sealed class Handle(Task gate) : SftpHandle
        {
            public override byte[] Read(long offset, int length)
            {
                gate.Wait(TimeSpan.FromSeconds(20));
                return offset == 0 ? [1, 2, 3] : [];
            }
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task ASlowRead_DoesNotStallStatsOrReadsOfOtherFiles(CancellationToken ct)
    {
        var fs = new SlowReads();
        await using SftpPair pair = await SftpPair.StartAsync(fs, ct);
        await using SftpFile slow = await pair.Client.OpenAsync("/slow", cancellationToken: ct);
        Task<byte[]> stuck = slow.ReadAsync(3, ct);
        await Task.Delay(100, ct);
        Assert.That(stuck.IsCompleted, Is.False);
        Assert.That((await pair.Client.StatAsync("/other", ct)).Size, Is.EqualTo(3));
        await using (SftpFile fast = await pair.Client.OpenAsync("/fast", cancellationToken: ct))
            Assert.That(await fast.ReadAsync(3, ct), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(stuck.IsCompleted, Is.False);
        fs.Release.SetResult();
        Assert.That(await stuck, Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    private static byte[] Packet(params byte[][] parts)
    {
        byte[] body = parts.SelectMany(p => p).ToArray();
        byte[] packet = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)body.Length);
        body.CopyTo(packet, 4);
        return packet;
    }

    private static byte[] U32(uint value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData(Packet([(byte)SftpPacketType.Open], U32(1), U32(100), "ab"u8.ToArray())).SetName("a truncated OPEN");
        yield return new TestCaseData(Packet([(byte)SftpPacketType.Read], U32(2))).SetName("a READ without its handle");
        yield return new TestCaseData(Packet([(byte)SftpPacketType.Init], U32(3))).SetName("a second INIT");
        yield return new TestCaseData(new byte[] { 0, 0x10, 0, 0, 4 }).SetName("a packet over the length limit");
    }

    [TestCaseSource(nameof(Malformed)), CancelAfter(10_000)]
    public async Task AMalformedPacket_EndsTheSessionWithALogLine(byte[] bad, CancellationToken ct)
    {
        var (client, server) = DuplexPipeStream.CreatePair();
        var log = new List<string>();
        Task session = SftpServer.RunAsync(server, new MemoryFileSystem(), new SftpServerOptions { Log = l => { lock (log) log.Add(l); } }, ct);
        await client.WriteAsync(Packet([(byte)SftpPacketType.Init], U32(3)), ct);
        byte[] header = new byte[4];
        await client.ReadExactlyAsync(header, ct);
        await client.ReadExactlyAsync(new byte[BinaryPrimitives.ReadUInt32BigEndian(header)], ct);
        await client.WriteAsync(bad, ct);
        await session.WaitAsync(ct);
        Assert.That(log, Has.One.Contains("broke the protocol"));
    }

    /// <summary>Reads at offset 0 wait until released; every other read answers at once.</summary>
    private sealed class FirstReadSlow : SftpServerInterface
    {
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override SftpHandle Open(string path, SftpOpenFlags flags, SftpAttributes attributes) => new Handle(Release.Task);

        private sealed class Handle(Task gate) : SftpHandle
        {
            public override byte[] Read(long offset, int length)
            {
                if (offset == 0) gate.Wait(TimeSpan.FromSeconds(20));
                return [(byte)offset];
            }
        }
    }

    private static async Task<(SftpPacketType Type, uint Id, byte[] Body)> ReceiveAsync(Stream stream, CancellationToken ct)
    {
        byte[] header = new byte[4];
        await stream.ReadExactlyAsync(header, ct);
        byte[] body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await stream.ReadExactlyAsync(body, ct);
        return ((SftpPacketType)body[0], body.Length >= 5 ? BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) : 0, body);
    }

    private static byte[] Str(string text) => [.. U32((uint)text.Length), .. System.Text.Encoding.UTF8.GetBytes(text)];

    [Test, CancelAfter(10_000)]
    public async Task RepliesAboutOneHandle_LeaveInRequestOrder_OthersDoNotWait(CancellationToken ct)
    {
        // OpenSSH's scp before 9.4 truncates an in-place transfer at the highest offset acknowledged in order.
        var (client, server) = DuplexPipeStream.CreatePair();
        var fs = new FirstReadSlow();
        Task session = SftpServer.RunAsync(server, fs, cancellationToken: ct);
        await client.WriteAsync(Packet([(byte)SftpPacketType.Init], U32(3)), ct);
        await ReceiveAsync(client, ct);
        var handles = new List<byte[]>();
        for (uint id = 1; id <= 2; id++)
        {
            await client.WriteAsync(Packet([(byte)SftpPacketType.Open], U32(id), Str($"/f{id}"), U32(1), U32(0)), ct);
            var reply = await ReceiveAsync(client, ct);
            Assert.That(reply.Type, Is.EqualTo(SftpPacketType.Handle));
            handles.Add(reply.Body[9..]); // after type, id and the string's length
        }
        byte[] Read(uint id, byte[] handle, ulong offset) =>
            Packet([(byte)SftpPacketType.Read], U32(id), U32((uint)handle.Length), handle, [.. U32((uint)(offset >> 32)), .. U32((uint)offset)], U32(10));
        await client.WriteAsync(Read(10, handles[0], 0), ct);   // slow
        await client.WriteAsync(Read(11, handles[0], 5), ct);   // fast, same handle: must wait for 10
        await client.WriteAsync(Read(12, handles[1], 7), ct);   // fast, other handle: need not wait
        // 12 comes while 10 is still reading (were it held back, this would time out); then 10 before 11.
        Assert.That((await ReceiveAsync(client, ct)).Id, Is.EqualTo(12));
        fs.Release.SetResult();
        Assert.That((await ReceiveAsync(client, ct)).Id, Is.EqualTo(10));
        Assert.That((await ReceiveAsync(client, ct)).Id, Is.EqualTo(11));
        await client.DisposeAsync();
        await session.WaitAsync(ct);
    }
}
