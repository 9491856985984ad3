using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// The exchange hash H (RFC 4253 §8). Every method's H begins with string V_C ‖ string V_S ‖ string I_C ‖
/// string I_S ‖ string K_S; the method then appends its own values and K. It hashes as it goes, so K is never
/// copied into a buffer that would outlive the exchange.
/// </summary>
internal sealed class ExchangeHash : IDisposable
{
    private readonly IncrementalHash _hash;

    public ExchangeHash(HashAlgorithmName algorithm, KexContext context, ReadOnlySpan<byte> hostKeyBlob)
    {
        _hash = IncrementalHash.CreateHash(algorithm);
        AppendString(Encoding.UTF8.GetBytes(context.ClientVersion));
        AppendString(Encoding.UTF8.GetBytes(context.ServerVersion));
        AppendString(context.ClientKexInit);
        AppendString(context.ServerKexInit);
        AppendString(hostKeyBlob);
    }

    /// <summary>Appends a value as an SSH string (uint32 length ‖ bytes, RFC 4251 §5).</summary>
    public ExchangeHash AppendString(ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        _hash.AppendData(length);
        _hash.AppendData(value);
        return this;
    }

    /// <summary>Appends a value already in its wire encoding, such as K (an mpint or a string).</summary>
    public ExchangeHash AppendEncoded(ReadOnlySpan<byte> value)
    {
        _hash.AppendData(value);
        return this;
    }

    public byte[] Compute() => _hash.GetHashAndReset();

    public void Dispose() => _hash.Dispose();
}
