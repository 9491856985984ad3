using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>curve25519-sha256</c> and <c>curve25519-sha256@libssh.org</c> (RFC 8731): X25519 (RFC 7748) in the
/// ECDH flow, with SHA-256 as HASH.</summary>
internal sealed class Curve25519KeyExchange : EcdhKeyExchange
{
    public const string Name = "curve25519-sha256";
    public const string LibSshName = "curve25519-sha256@libssh.org";

    private readonly X25519Ephemeral _key;

    public Curve25519KeyExchange() => _key = new X25519Ephemeral();

    /// <summary>Uses <paramref name="privateKey"/> as the ephemeral scalar instead of a random one, for
    /// known-answer tests.</summary>
    internal Curve25519KeyExchange(ReadOnlySpan<byte> privateKey) => _key = new X25519Ephemeral(privateKey);

    public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    protected override string Specification => "RFC 8731 §3";

    protected override void CheckPeerPublic(ReadOnlySpan<byte> value, bool fromClient) => CheckLength(value, X25519Ephemeral.Size, fromClient);

    protected override byte[] CreateClientPublic() => _key.PublicValue();

    protected override byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic) => _key.Agree(serverPublic, Specification);

    protected override byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic)
    {
        serverPublic = _key.PublicValue();
        return _key.Agree(clientPublic, Specification);
    }

    public override void Dispose() => _key.Dispose();
}
