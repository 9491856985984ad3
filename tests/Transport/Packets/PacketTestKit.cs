using System.Buffers;
using System.IO.Pipelines;
using NUnit.Framework;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.Packets;

namespace Ssh.Tests.Transport.Packets;

/// <summary>Matched sealers and openers for every cipher suite, and ways to feed bytes to a <see cref="PacketReader"/>.</summary>
internal static class PacketTestKit
{
    public const string None = "none";

    /// <summary>"none", every AEAD cipher, and aes-ctr with every MAC.</summary>
    public static IEnumerable<TestCaseData> Suites(bool includeNone = true)
    {
        if (includeNone) yield return new TestCaseData(None, null).SetArgDisplayNames(None);
        foreach (CipherInfo cipher in CipherRegistry.All)
        {
            if (cipher.IsAead)
            {
                yield return new TestCaseData(cipher.Name, null).SetArgDisplayNames(cipher.Name);
                continue;
            }
            foreach (MacInfo mac in MacRegistry.All)
                yield return new TestCaseData(cipher.Name, mac.Name).SetArgDisplayNames(cipher.Name + "+" + mac.Name);
        }
    }

    /// <summary>Two instances of one suite keyed identically: one seals, the other opens.</summary>
    public static (IPacketCipher Sealer, IPacketCipher Opener) CreatePair(string cipherName, string? macName)
    {
        if (cipherName == None) return (NonePacketCipher.Instance, NonePacketCipher.Instance);
        var rng = new Random(cipherName.Length * 31 + (macName?.Length ?? 0));
        CipherInfo cipher = CipherRegistry.Find(cipherName)!;
        MacInfo? mac = macName is null ? null : MacRegistry.Find(macName)!;
        byte[] key = new byte[cipher.KeySize], iv = new byte[cipher.IvSize], macKey = new byte[mac?.KeySize ?? 0];
        rng.NextBytes(key);
        rng.NextBytes(iv);
        rng.NextBytes(macKey);
        return (cipher.Create(key, iv, mac?.Create(macKey)), cipher.Create(key, iv, mac?.Create(macKey)));
    }

    /// <summary>A writer and a reader over a pipe, keyed for one suite.</summary>
    public static (PacketWriter Writer, MemoryStream Wire, PacketReader Reader, Pipe Pipe) CreateLink(string cipherName, string? macName)
    {
        (IPacketCipher sealer, IPacketCipher opener) = CreatePair(cipherName, macName);
        var wire = new MemoryStream();
        var writer = new PacketWriter(wire);
        var pipe = CreatePipe();
        var reader = new PacketReader(pipe.Reader);
        writer.SetCipher(sealer, resetSequenceNumber: false);
        reader.SetCipher(opener, resetSequenceNumber: false);
        return (writer, wire, reader, pipe);
    }

    /// <summary>An unpaused pipe whose reader continues inline on the writer's flush, so a test that feeds one byte
    /// at a time sees the reader react to every prefix, deterministically.</summary>
    public static Pipe CreatePipe() => new(new PipeOptions(
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));

    public static async Task WritePacketAsync(PacketWriter writer, byte[] payload)
    {
        payload.CopyTo(writer.Payload);
        await writer.WriteAsync(payload.Length, CancellationToken.None);
    }

    /// <summary>Reads packets until <paramref name="count"/> arrived, copying each payload out.</summary>
    public static async Task<List<byte[]>> ReadPacketsAsync(PacketReader reader, int count, CancellationToken cancellationToken)
    {
        var payloads = new List<byte[]>();
        for (int i = 0; i < count; i++)
            payloads.Add((await reader.ReadPacketAsync(cancellationToken)).ToArray());
        return payloads;
    }

    /// <summary>Feeds <paramref name="bytes"/> one byte per write and flush while a read is pending; returns each
    /// payload with the number of bytes fed when it completed.</summary>
    public static async Task<List<(byte[] Payload, int CompletedAt)>> FeedOneByteAtATimeAsync(PacketReader reader, Pipe pipe, byte[] bytes)
    {
        var payloads = new List<(byte[], int)>();
        Task<ReadOnlyMemory<byte>> pending = reader.ReadPacketAsync(CancellationToken.None).AsTask();
        for (int i = 0; i < bytes.Length; i++)
        {
            pipe.Writer.GetSpan(1)[0] = bytes[i];
            pipe.Writer.Advance(1);
            await pipe.Writer.FlushAsync();
            if (pending.IsCompleted)
            {
                payloads.Add(((await pending).ToArray(), i + 1));
                if (i + 1 < bytes.Length) pending = reader.ReadPacketAsync(CancellationToken.None).AsTask();
            }
        }
        return payloads;
    }

    /// <summary>A sequence of one-byte segments, the most fragmented shape a pipe can hand out.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(bytes.AsMemory(0, 1), 0);
        Segment last = first;
        for (int i = 1; i < bytes.Length; i++)
            last = last.Append(bytes.AsMemory(i, 1));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>Deterministic payloads of the given sizes, each starting with a plausible message number.</summary>
    public static byte[][] Payloads(params int[] sizes)
    {
        var rng = new Random(sizes.Sum());
        return sizes.Select(size =>
        {
            var p = new byte[size];
            rng.NextBytes(p);
            p[0] = 94;
            return p;
        }).ToArray();
    }
}
