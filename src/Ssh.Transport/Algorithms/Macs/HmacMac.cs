using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Macs;

/// <summary><c>hmac-sha2-256</c> / <c>hmac-sha2-512</c> (RFC 6668), <c>hmac-sha1</c> (RFC 4253 §6.4, off by default) and
/// their <c>-etm@openssh.com</c> twins
/// (OpenSSH PROTOCOL §1.5). The HMAC is computed over <c>uint32 sequence_number ‖ data</c> (RFC 4253 §6.4).</summary>
/// <remarks>One reused <see cref="IncrementalHash"/> keeps the keyed inner and outer states, so a call allocates
/// nothing. Not thread-safe: one instance per direction.</remarks>
internal sealed class HmacMac : IMac
{
    private readonly IncrementalHash _hmac;

    public HmacMac(HashAlgorithmName hash, ReadOnlySpan<byte> key, bool encryptThenMac)
    {
        Size = hash == HashAlgorithmName.SHA1 ? 20
             : hash == HashAlgorithmName.SHA256 ? 32
             : hash == HashAlgorithmName.SHA512 ? 64
             : throw new ArgumentException($"HMAC over {hash.Name} is not supported.", nameof(hash));
        _hmac = IncrementalHash.CreateHMAC(hash, key);
        EncryptThenMac = encryptThenMac;
    }

    public int Size { get; }

    public bool EncryptThenMac { get; }

    public void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> output)
    {
        Span<byte> seq = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(seq, sequenceNumber);
        _hmac.AppendData(seq);
        _hmac.AppendData(data);
        _hmac.GetHashAndReset(output[..Size]);
    }

    public void Dispose() => _hmac.Dispose();
}
