namespace Ssh.Transport.Algorithms.Macs;

/// <summary>A keyed MAC over <c>uint32 sequence_number ‖ data</c> (RFC 4253 §6.4). One instance per direction;
/// no allocation per call.</summary>
internal interface IMac : IDisposable
{
    /// <summary>Output length in bytes.</summary>
    int Size { get; }

    /// <summary>Encrypt-then-MAC (<c>-etm@openssh.com</c>): the MAC covers the ciphertext and the length stays
    /// unencrypted (OpenSSH PROTOCOL §1.5).</summary>
    bool EncryptThenMac { get; }

    void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> output);
}
