using Ssh.Transport.Algorithms.Ciphers;

namespace Ssh.Transport.Packets;

/// <summary>
/// What one direction of the binary packet protocol keeps, for the reader and the writer alike: the keys in force,
/// the sequence number (RFC 4253 §6.4, wrapping at 2^32) and the packet and byte counts since the last key change
/// that drive re-keying (RFC 4344 §3).
/// </summary>
internal sealed class PacketDirection : IDisposable
{
    public IPacketCipher Cipher { get; private set; } = NonePacketCipher.Instance;
    public uint SequenceNumber { get; internal set; }
    public long PacketsSinceKeyChange { get; private set; }
    public long BytesSinceKeyChange { get; private set; }

    /// <summary>Takes new keys into use (at NEWKEYS); strict KEX also restarts the sequence number.</summary>
    public void SetCipher(IPacketCipher cipher, bool resetSequenceNumber)
    {
        IPacketCipher old = Cipher;
        Cipher = cipher;
        if (!ReferenceEquals(old, NonePacketCipher.Instance)) old.Dispose();
        if (resetSequenceNumber) SequenceNumber = 0;
        PacketsSinceKeyChange = 0;
        BytesSinceKeyChange = 0;
    }

    /// <summary>Counts one packet of <paramref name="wireBytes"/> bytes.</summary>
    public void Advance(int wireBytes)
    {
        SequenceNumber++;
        PacketsSinceKeyChange++;
        BytesSinceKeyChange += wireBytes;
    }

    public void Dispose() => Cipher.Dispose();
}
