using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Packets;
using static Ssh.Tests.Transport.Packets.PacketTestKit;

namespace Ssh.Tests.Transport.Packets;

/// <summary>RFC 4253 §6.4: the sequence number counts every packet, wraps at 2^32, and (with a MAC) both sides must
/// agree on it or the packet fails authentication.</summary>
public sealed class SequenceNumberTests
{
    /// <summary>Jumps a counter to near the wrap; 2^32 real packets are out of reach for a unit test.</summary>
    private static void SetSequenceNumber(object readerOrWriter, uint value)
    {
        PacketDirection direction = readerOrWriter switch
        {
            PacketWriter writer => writer.Direction,
            PacketReader reader => reader.Direction,
            _ => throw new ArgumentException("Not a packet reader or writer.", nameof(readerOrWriter)),
        };
        direction.SequenceNumber = value;
    }

    [TestCase("aes128-ctr", "hmac-sha2-256")]
    [TestCase("aes256-ctr", "hmac-sha2-512-etm@openssh.com")]
    [TestCase("chacha20-poly1305@openssh.com", null)]
    [CancelAfter(10_000)]
    public async Task SequenceNumbers_IncrementAndWrap(string cipher, string? mac, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            SetSequenceNumber(writer, uint.MaxValue - 1);
            SetSequenceNumber(reader, uint.MaxValue - 1);
            byte[][] payloads = Payloads(10, 20, 30, 40);
            var seen = new List<uint>();
            foreach (byte[] p in payloads)
            {
                seen.Add(writer.SequenceNumber);
                await WritePacketAsync(writer, p);
            }
            Assert.That(seen, Is.EqualTo(new[] { uint.MaxValue - 1, uint.MaxValue, 0u, 1u }));
            Assert.That(writer.SequenceNumber, Is.EqualTo(2u));

            await pipe.Writer.WriteAsync(wire.ToArray(), ct);
            Assert.That(await ReadPacketsAsync(reader, payloads.Length, ct), Is.EqualTo(payloads));
            Assert.That(reader.SequenceNumber, Is.EqualTo(2u));
        }
    }

    // Left out on purpose: AES-GCM (RFC 5647 §7.1 takes its nonce from an invocation counter, not the sequence
    // number) and chacha20-poly1305 (a wrong sequence number garbles the length first, a different error).
    [TestCase("aes128-ctr", "hmac-sha2-256")]
    [TestCase("aes128-ctr", "hmac-sha2-256-etm@openssh.com")]
    [CancelAfter(10_000)]
    public async Task MismatchedSequenceNumber_IsMacError(string cipher, string? mac, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            SetSequenceNumber(writer, 7);
            await WritePacketAsync(writer, Payloads(10)[0]);
            await pipe.Writer.WriteAsync(wire.ToArray(), ct);
            var e = Assert.ThrowsAsync<SshProtocolException>(async () => await reader.ReadPacketAsync(ct));
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.MacError));
        }
    }

    [Test]
    public void SetCipher_ResetsCountersAndOptionallyTheSequenceNumber()
    {
        using var writer = new PacketWriter(new MemoryStream());
        writer.Seal(10);
        writer.Seal(10);
        (IPacketCipher sealer, _) = CreatePair("aes128-ctr", "hmac-sha2-256");
        writer.SetCipher(sealer, resetSequenceNumber: false);
        Assert.That((writer.SequenceNumber, writer.PacketsSinceKeyChange, writer.BytesSinceKeyChange), Is.EqualTo((2u, 0L, 0L)));
        writer.Seal(10);
        (sealer, _) = CreatePair("aes256-ctr", "hmac-sha2-256");
        writer.SetCipher(sealer, resetSequenceNumber: true); // strict KEX (OpenSSH PROTOCOL §1.10)
        Assert.That(writer.SequenceNumber, Is.Zero);
    }
}
