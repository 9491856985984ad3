using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>One ephemeral X25519 key (RFC 7748 §5) for one exchange: its public value, and one agreement that
/// refuses the all-zero result of a small-order point and forgets the private key either way. Shared by
/// curve25519-sha256 and the hybrid post-quantum methods. The platform's libcrypto computes it where it can
/// (<see cref="Platform.OpenSslX25519"/>), BouncyCastle otherwise.</summary>
internal sealed class X25519Ephemeral : IDisposable
{
    /// <summary>RFC 7748 §5: scalars, public values (u-coordinates) and shared secrets are all 32 bytes.</summary>
    public const int Size = 32;

    private byte[]? _privateKey;

    public X25519Ephemeral()
    {
    }

    /// <summary>Uses <paramref name="privateKey"/> instead of a random scalar, for known-answer tests.</summary>
    public X25519Ephemeral(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != Size) throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        _privateKey = privateKey.ToArray();
    }

    /// <summary>Our public value, making the private key first if needed.</summary>
    public byte[] PublicValue()
    {
        // RFC 7748 §5: any 32 random bytes are a private key; X25519 clamps them itself.
        _privateKey ??= RandomNumberGenerator.GetBytes(Size);
        var publicValue = new byte[Size];
        if (Platform.OpenSslX25519.Instance is { } native) native.PublicValue(_privateKey, publicValue);
        else X25519.GeneratePublicKey(_privateKey, publicValue);
        return publicValue;
    }

    /// <summary>The raw 32-byte shared secret with <paramref name="peerPublic"/> (32 bytes, checked by the caller).
    /// An all-zero secret (a point of small order, RFC 7748 §6.1) fails the exchange, citing
    /// <paramref name="specification"/>.</summary>
    public byte[] Agree(ReadOnlySpan<byte> peerPublic, string specification)
    {
        byte[] privateKey = _privateKey ?? throw new InvalidOperationException("The ephemeral key comes first.");
        var secret = new byte[Size];
        bool nonZero = Platform.OpenSslX25519.Instance is { } native
            ? native.Agree(privateKey, peerPublic, secret)
            : X25519.CalculateAgreement(privateKey, peerPublic, secret);
        Dispose();
        if (!nonZero || secret.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            CryptographicOperations.ZeroMemory(secret);
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The X25519 shared secret is all zeroes: the peer sent a point of small order ({specification}).");
        }
        return secret;
    }

    public void Dispose()
    {
        if (_privateKey is not null) CryptographicOperations.ZeroMemory(_privateKey);
        _privateKey = null;
    }
}
