using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.Packets;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// <see cref="PacketReader.TryReadPacket"/> in each cipher state (RFC 4253 §6). The keys are fixed and known, so an
/// input can be either of two things, chosen by its first byte:
/// <list type="bullet">
/// <item>bit 0 clear: raw wire bytes, read as they are (the length checks, and the MAC check for keyed states);</item>
/// <item>bit 0 set: a sequence of packet bodies (<see cref="FuzzInput.Chunk"/>s: padding_length ‖ payload ‖ padding)
/// that the harness frames with their length, pads with zeros to the block size and seals with the same keys, so
/// the fuzzer gets past the MAC to the checks after decryption.</item>
/// </list>
/// Bit 1 set hands the reader one byte per buffer segment, the most fragmented shape a pipe produces.
/// </summary>
internal static class PacketTargets
{
    public static IEnumerable<FuzzTarget> All()
    {
        yield return Target("packet-none", "none", null);
        yield return Target("packet-chacha20-poly1305", ChaCha20Poly1305PacketCipher.Name, null);
        yield return Target("packet-aes-gcm", "aes128-gcm@openssh.com", null);
        yield return Target("packet-aes-ctr-etm", "aes128-ctr", "hmac-sha2-256-etm@openssh.com");
        yield return Target("packet-aes-ctr-hmac", "aes128-ctr", "hmac-sha2-512");
    }

    private static FuzzTarget Target(string name, string cipher, string? mac) =>
        new(name, $"PacketReader.TryReadPacket under {cipher}{(mac is null ? "" : " + " + mac)}",
            input => Read(cipher, mac, input), typeof(SshProtocolException));

    /// <summary>Never read from: <see cref="PacketReader.TryReadPacket"/> takes its bytes as an argument.</summary>
    private static readonly PipeReader NoInput = new Pipe().Reader;

    private static void Read(string cipher, string? mac, byte[] input)
    {
        var fuzz = new FuzzInput(input);
        byte mode = fuzz.Byte();
        bool seal = (mode & 1) != 0;
        bool fragment = (mode & 2) != 0;

        byte[] wire;
        if (seal)
        {
            using IPacketCipher sealer = Create(cipher, mac);
            wire = Seal(sealer, fuzz.Chunks());
        }
        else
        {
            wire = fuzz.Rest.ToArray();
        }

        using var reader = new PacketReader(NoInput);
        if (cipher != "none") reader.SetCipher(Create(cipher, mac), resetSequenceNumber: false);
        ReadOnlySequence<byte> buffer = fragment ? Segments.OneBytePerSegment(wire) : new ReadOnlySequence<byte>(wire);
        while (reader.TryReadPacket(ref buffer, out int payloadLength))
        {
            ReadOnlySpan<byte> payload = reader.Payload(payloadLength);
            if (payload.IsEmpty) throw new InvalidOperationException("The reader handed out an empty payload; every message has a number.");
        }
    }

    /// <summary>A keyed cipher for the suite, the same keys every time (reader and sealer match).</summary>
    internal static IPacketCipher Create(string cipher, string? mac)
    {
        if (cipher == "none") return NonePacketCipher.Instance;
        CipherInfo info = CipherRegistry.Find(cipher)!;
        MacInfo? macInfo = mac is null ? null : MacRegistry.Find(mac)!;
        return info.Create(Key(info.KeySize, 1), Key(info.IvSize, 2), macInfo?.Create(Key(macInfo.KeySize, 3)));
    }

    private static byte[] Key(int length, byte seed)
    {
        byte[] key = new byte[length];
        for (int i = 0; i < key.Length; i++) key[i] = (byte)(seed * 37 + i);
        return key;
    }

    /// <summary>Frames, pads and seals each body as packet number 0, 1, 2, ...: uint32 length ‖ body ‖ zeros to the
    /// block size, then the tag.</summary>
    internal static byte[] Seal(IPacketCipher sealer, IReadOnlyList<byte[]> bodies)
    {
        var wire = new List<byte>();
        for (int i = 0; i < bodies.Count; i++)
        {
            byte[] body = bodies[i];
            int length = body.Length;
            while ((sealer.LengthExcludedFromAlignment ? length : length + 4) % sealer.BlockSize != 0) length++;
            byte[] packet = new byte[4 + length + sealer.TagSize];
            BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)length);
            body.CopyTo(packet, 4);
            sealer.Seal((uint)i, packet.AsSpan(0, 4 + length), packet.AsSpan(4 + length));
            wire.AddRange(packet);
        }
        return wire.ToArray();
    }
}
