using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>curve25519-sha256</c> and <c>curve25519-sha256@libssh.org</c> (RFC 8731): X25519 (RFC 7748) in the
/// ECDH flow, with SHA-256 as HASH.</summary>
internal sealed class Curve25519KeyExchange : EcdhKeyExchange
{
    public const string Name = "curve25519-sha256";
    public const string LibSshName = "curve25519-sha256@libssh.org";

    // RFC 7748 §5: scalars, public values (u-coordinates) and shared secrets are all 32 bytes.
    private const int KeySize = 32;

    private byte[]? _privateKey;

    public Curve25519KeyExchange()
    {
    }

    /// <summary>Uses <paramref name="privateKey"/> as the ephemeral scalar instead of a random one, for
    /// known-answer tests.</summary>
    internal Curve25519KeyExchange(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeySize) throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        _privateKey = privateKey.ToArray();
    }

    public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    protected override string Specification => "RFC 8731 §3";

    protected override int ClientPublicLength => KeySize;

    protected override int ServerPublicLength => KeySize;

    protected override byte[] CreateClientPublic() => PublicValue();

    protected override byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic) => Agree(serverPublic);

    protected override byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic)
    {
        serverPublic = PublicValue();
        return Agree(clientPublic);
    }

    private byte[] PublicValue()
    {
        // RFC 7748 §5: any 32 random bytes are a private key; X25519 clamps them itself.
        _privateKey ??= RandomNumberGenerator.GetBytes(KeySize);
        var publicValue = new byte[KeySize];
        X25519.GeneratePublicKey(_privateKey, publicValue);
        return publicValue;
    }

    private byte[] Agree(ReadOnlySpan<byte> peerPublic)
    {
        byte[] privateKey = _privateKey ?? throw new InvalidOperationException("The ephemeral key comes first.");
        var secret = new byte[KeySize];
        bool nonZero = X25519.CalculateAgreement(privateKey, peerPublic, secret);
        Forget();
        // RFC 8731 §3, RFC 7748 §6.1: a point of small order gives the all-zero secret, which must abort.
        if (!nonZero || secret.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The curve25519 shared secret is all zeroes: the peer sent a point of small order (RFC 8731 §3).");
        return secret;
    }

    private void Forget()
    {
        if (_privateKey is not null) CryptographicOperations.ZeroMemory(_privateKey);
        _privateKey = null;
    }

    public override void Dispose() => Forget();
}
