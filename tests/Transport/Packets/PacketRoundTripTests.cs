using System.Buffers;
using NUnit.Framework;
using Ssh.Transport.Packets;
using static Ssh.Tests.Transport.Packets.PacketTestKit;

namespace Ssh.Tests.Transport.Packets;

/// <summary>PacketWriter → bytes → PacketReader for every cipher suite, and the same bytes in every buffer shape.</summary>
public sealed class PacketRoundTripTests
{
    private static IEnumerable<TestCaseData> AllSuites() => Suites();

    private static readonly int[] Sizes = [1, 2, 15, 16, 17, 100, 1000, 32768, 35000, PacketLimits.MaxOutgoingPayload, 3];

    /// <summary>Writes the payloads and returns the wire bytes and where each packet ends.</summary>
    private static async Task<(byte[] Wire, int[] Ends)> WriteAllAsync(PacketWriter writer, MemoryStream wire, byte[][] payloads)
    {
        var ends = new List<int>();
        foreach (byte[] p in payloads)
        {
            await WritePacketAsync(writer, p);
            ends.Add((int)wire.Length);
        }
        return (wire.ToArray(), ends.ToArray());
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task OneSegment_GivesBackEveryPayload(string cipher, string? mac, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            byte[][] payloads = Payloads(Sizes);
            (byte[] bytes, _) = await WriteAllAsync(writer, wire, payloads);

            await pipe.Writer.WriteAsync(bytes, ct);
            List<byte[]> read = await ReadPacketsAsync(reader, payloads.Length, ct);

            Assert.That(read, Is.EqualTo(payloads));
            Assert.That(reader.SequenceNumber, Is.EqualTo(writer.SequenceNumber).And.EqualTo((uint)payloads.Length));
            Assert.That(reader.PacketsSinceKeyChange, Is.EqualTo(payloads.Length));
            Assert.That(reader.BytesSinceKeyChange, Is.EqualTo(bytes.Length).And.EqualTo(writer.BytesSinceKeyChange));
        }
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(20_000)]
    public async Task OneBytePerFlush_GivesTheSamePayloadsAtTheSameBoundaries(string cipher, string? mac, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            byte[][] payloads = Payloads(1, 16, 100, 1000, 40000, 5);
            (byte[] bytes, int[] ends) = await WriteAllAsync(writer, wire, payloads);

            var read = await FeedOneByteAtATimeAsync(reader, pipe, bytes);
            await pipe.Writer.CompleteAsync();

            Assert.That(read.Select(r => r.Payload), Is.EqualTo(payloads));
            Assert.That(read.Select(r => r.CompletedAt), Is.EqualTo(ends), "each packet completes on its last byte, not before or after");
        }
    }

    [TestCaseSource(nameof(AllSuites))]
    public void OneBytePerSegment_TryReadPacketGivesTheSamePayloads(string cipher, string? mac)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, _) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            byte[][] payloads = Payloads(1, 16, 100, 5000, 3);
            (byte[] bytes, int[] ends) = WriteAllAsync(writer, wire, payloads).GetAwaiter().GetResult();

            ReadOnlySequence<byte> sequence = OneBytePerSegment(bytes);
            int start = 0;
            for (int i = 0; i < payloads.Length; i++)
            {
                // Every prefix of the packet is "not yet".
                for (int end = start; end < ends[i]; end += Math.Max(1, (ends[i] - start) / 50))
                {
                    ReadOnlySequence<byte> partial = sequence.Slice(start, end - start);
                    Assert.That(reader.TryReadPacket(ref partial, out _), Is.False, $"packet {i} with {end - start} bytes");
                }
                ReadOnlySequence<byte> rest = sequence.Slice(start);
                Assert.That(reader.TryReadPacket(ref rest, out int payloadLength), Is.True);
                // The payload sits at offset 5 of the reader's buffer; ReadPacketAsync hands out the same window.
                Assert.That(payloadLength, Is.EqualTo(payloads[i].Length));
                Assert.That(rest.Length, Is.EqualTo(bytes.Length - ends[i]), "exactly one packet consumed");
                start = ends[i];
            }
        }
    }

    [Test]
    public void Writer_PadsToTheBlockWithAtLeastFourBytes()
    {
        using var wire = new MemoryStream();
        using var writer = new PacketWriter(wire);
        for (int payload = 1; payload <= 40; payload++)
        {
            int total = writer.Seal(payload);
            ReadOnlySpan<byte> packet = writer.LastPacket(total);
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(packet);
            int padding = packet[4];
            Assert.That(total % 8, Is.Zero, $"payload {payload}: RFC 4253 §6 8-byte alignment with the none cipher");
            Assert.That(length, Is.EqualTo((uint)(total - 4)));
            Assert.That(padding, Is.InRange(4, 4 + 8 - 1), $"payload {payload}");
            Assert.That(1 + payload + padding, Is.EqualTo((int)length));
        }
    }
}
