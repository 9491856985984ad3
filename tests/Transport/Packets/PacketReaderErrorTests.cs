using System.Buffers.Binary;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Packets;
using static Ssh.Tests.Transport.Packets.PacketTestKit;

namespace Ssh.Tests.Transport.Packets;

/// <summary>Malformed or forged packets raise the right error, as early as the bytes allow.</summary>
public sealed class PacketReaderErrorTests
{
    private static IEnumerable<TestCaseData> AllSuites() => Suites();

    private static IEnumerable<TestCaseData> EncryptedSuites() => Suites(includeNone: false);

    /// <summary>A sealed packet of 32 aligned bytes whose plaintext header says <paramref name="padding"/> and
    /// <paramref name="packetLength"/> (by default the real length).</summary>
    private static byte[] SealCrafted(IPacketCipher sealer, uint? packetLength, byte padding)
    {
        byte[] packet = new byte[sealer.LengthExcludedFromAlignment ? 4 + 32 : 32];
        new Random(5).NextBytes(packet);
        BinaryPrimitives.WriteUInt32BigEndian(packet, packetLength ?? (uint)(packet.Length - 4));
        packet[4] = padding;
        byte[] tag = new byte[sealer.TagSize];
        sealer.Seal(0, packet, tag);
        return [.. packet, .. tag];
    }

    private static async Task<SshProtocolException> ReadExpectingErrorAsync(PacketReader reader, CancellationToken ct)
    {
        Exception? error = null;
        try
        {
            await reader.ReadPacketAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
        catch (Exception e)
        {
            error = e;
        }
        Assert.That(error, Is.TypeOf<SshProtocolException>(), "the reader must fail, not wait for more bytes");
        return (SshProtocolException)error!;
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task OverlongPacketLength_IsRejectedFromTheFirstBlockAlone(string cipher, string? mac, CancellationToken ct)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipher, mac);
        var pipe = CreatePipe();
        using var reader = new PacketReader(pipe.Reader);
        reader.SetCipher(opener, false);
        // A length that is otherwise well aligned, so only the size limit can refuse it.
        uint length = (uint)PacketLimits.MaxPacketLength + (opener.LengthExcludedFromAlignment ? 16u : 12u);
        byte[] sealedBytes = SealCrafted(sealer, length, 4);
        if (!ReferenceEquals(sealer, NonePacketCipher.Instance)) sealer.Dispose();

        await pipe.Writer.WriteAsync(sealedBytes.AsMemory(0, 16), ct); // the first block only; the body never comes

        SshProtocolException e = await ReadExpectingErrorAsync(reader, ct);
        Assert.That(e.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain(PacketLimits.MaxPacketLength.ToString()));
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task PacketLengthNotAMultipleOfTheBlockSize_IsRejected(string cipher, string? mac, CancellationToken ct)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipher, mac);
        var pipe = CreatePipe();
        using var reader = new PacketReader(pipe.Reader);
        reader.SetCipher(opener, false);
        byte[] sealedBytes = SealCrafted(sealer, 1001, 4);
        if (!ReferenceEquals(sealer, NonePacketCipher.Instance)) sealer.Dispose();

        await pipe.Writer.WriteAsync(sealedBytes.AsMemory(0, 16), ct);

        SshProtocolException e = await ReadExpectingErrorAsync(reader, ct);
        Assert.That(e.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain("block size"));
    }

    [TestCase(0u), TestCase(4u)]
    public void TinyPacketLength_IsRejected(uint length)
    {
        using var reader = new PacketReader(CreatePipe().Reader);
        var bytes = new System.Buffers.ReadOnlySequence<byte>([(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 4, 0, 0, 0]);
        Assert.Throws<SshProtocolException>(() => reader.TryReadPacket(ref bytes, out _));
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task PaddingShorterThanFourBytes_IsRejected(string cipher, string? mac, CancellationToken ct)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipher, mac);
        var pipe = CreatePipe();
        using var reader = new PacketReader(pipe.Reader);
        reader.SetCipher(opener, false);
        byte[] sealedBytes = SealCrafted(sealer, null, 3);
        if (!ReferenceEquals(sealer, NonePacketCipher.Instance)) sealer.Dispose();

        await pipe.Writer.WriteAsync(sealedBytes, ct);

        SshProtocolException e = await ReadExpectingErrorAsync(reader, ct);
        Assert.That(e.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(e.Message, Does.Contain("padding"));
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task PaddingLeavingNoPayload_IsRejected(string cipher, string? mac, CancellationToken ct)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipher, mac);
        var pipe = CreatePipe();
        using var reader = new PacketReader(pipe.Reader);
        reader.SetCipher(opener, false);
        byte[] sealedBytes = SealCrafted(sealer, null, 31);
        if (!ReferenceEquals(sealer, NonePacketCipher.Instance)) sealer.Dispose();

        await pipe.Writer.WriteAsync(sealedBytes, ct);

        Assert.That((await ReadExpectingErrorAsync(reader, ct)).Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [TestCaseSource(nameof(EncryptedSuites)), CancelAfter(10_000)]
    public async Task CorruptedTag_IsMacError(string cipher, string? mac, CancellationToken ct) =>
        await CorruptAndReadAsync(cipher, mac, wire => wire.Length - 1, ct);

    [TestCaseSource(nameof(EncryptedSuites)), CancelAfter(10_000)]
    public async Task CorruptedBody_IsMacError(string cipher, string? mac, CancellationToken ct) =>
        await CorruptAndReadAsync(cipher, mac, wire => 20, ct);

    private static async Task CorruptAndReadAsync(string cipher, string? mac, Func<byte[], int> position, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            await WritePacketAsync(writer, Payloads(100)[0]);
            byte[] bytes = wire.ToArray();
            bytes[position(bytes)] ^= 0x01;
            await pipe.Writer.WriteAsync(bytes, ct);

            SshProtocolException e = await ReadExpectingErrorAsync(reader, ct);
            Assert.That(e.Reason, Is.EqualTo(DisconnectReason.MacError));
        }
    }

    [TestCaseSource(nameof(AllSuites)), CancelAfter(10_000)]
    public async Task StreamEndingMidPacket_IsConnectionError(string cipher, string? mac, CancellationToken ct)
    {
        (PacketWriter writer, MemoryStream wire, PacketReader reader, var pipe) = CreateLink(cipher, mac);
        using (writer)
        using (reader)
        {
            await WritePacketAsync(writer, Payloads(100)[0]);
            byte[] bytes = wire.ToArray();
            await pipe.Writer.WriteAsync(bytes.AsMemory(0, bytes.Length - 1), ct);
            await pipe.Writer.CompleteAsync();

            var e = Assert.ThrowsAsync<SshConnectionException>(async () => await reader.ReadPacketAsync(ct));
            Assert.That(e!.Message, Does.Contain("middle of a packet"));
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task StreamEndingBetweenPackets_IsConnectionError(CancellationToken ct)
    {
        var pipe = CreatePipe();
        using var reader = new PacketReader(pipe.Reader);
        await pipe.Writer.CompleteAsync();
        var e = Assert.ThrowsAsync<SshConnectionException>(async () => await reader.ReadPacketAsync(ct));
        Assert.That(e!.Message, Does.Contain("closed by the peer"));
    }
}
