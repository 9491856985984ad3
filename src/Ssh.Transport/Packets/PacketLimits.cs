namespace Ssh.Transport.Packets;

/// <summary>Size limits of the binary packet protocol.</summary>
internal static class PacketLimits
{
    /// <summary>The largest packet_length we accept (OpenSSH's limit; RFC 4253 §6.1 requires at least 35000).</summary>
    public const int MaxPacketLength = 256 * 1024;

    /// <summary>The largest tag any cipher or MAC appends (HMAC-SHA-512).</summary>
    public const int MaxTagSize = 64;

    /// <summary>The largest payload we ever send: a packet of <see cref="MaxPacketLength"/> less padding room.</summary>
    public const int MaxOutgoingPayload = MaxPacketLength - 1 - 255;

    /// <summary>The buffer one direction needs for a whole packet: length, body and tag.</summary>
    public const int BufferSize = 4 + MaxPacketLength + MaxTagSize;
}
