using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>curve25519-sha256</c> and <c>curve25519-sha256@libssh.org</c> (RFC 8731).</summary>
public sealed class Curve25519KeyExchange : IKeyExchange
{
    public const string Name = "curve25519-sha256";
    public const string LibSshName = "curve25519-sha256@libssh.org";

    private static readonly SecureRandom Random = new();
    private X25519PrivateKeyParameters? _private;

    public HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    public byte[] CreateClientPublic()
    {
        _private = new X25519PrivateKeyParameters(Random);
        return _private.GeneratePublicKey().GetEncoded();
    }

    public byte[] CompleteClient(ReadOnlySpan<byte> serverPublic)
    {
        if (_private is null) throw new InvalidOperationException("CreateClientPublic must come first.");
        return Agree(_private, serverPublic);
    }

    public (byte[] ServerPublic, byte[] SharedSecret) RespondServer(ReadOnlySpan<byte> clientPublic)
    {
        var own = new X25519PrivateKeyParameters(Random);
        return (own.GeneratePublicKey().GetEncoded(), Agree(own, clientPublic));
    }

    private static byte[] Agree(X25519PrivateKeyParameters own, ReadOnlySpan<byte> peerPublic)
    {
        // RFC 8731 §3: public values are exactly 32 bytes; an all-zero shared secret (a low-order peer point) is rejected.
        if (peerPublic.Length != X25519PublicKeyParameters.KeySize)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's curve25519 public value is {peerPublic.Length} bytes, not 32 (RFC 8731 §3).");
        var agreement = new X25519Agreement();
        agreement.Init(own);
        byte[] secret = new byte[agreement.AgreementSize];
        try
        {
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublic), secret, 0);
        }
        catch (InvalidOperationException)
        {
            // BouncyCastle refuses an all-zero result itself.
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The peer's curve25519 public value is a low-order point (RFC 8731 §3).");
        }
        if (secret.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The curve25519 shared secret is all zeroes: the peer sent a low-order point (RFC 8731 §3).");
        // RFC 8731 §3.1: K is the 32 bytes read as a big-endian unsigned integer, encoded as an mpint.
        byte[] encoded = new SshBuffer(40).WriteMpint(secret).ToArray();
        CryptographicOperations.ZeroMemory(secret);
        return encoded;
    }

    public void Dispose() => _private = null;
}
