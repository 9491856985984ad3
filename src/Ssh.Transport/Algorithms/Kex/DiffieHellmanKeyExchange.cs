using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>Diffie-Hellman over a fixed group (RFC 4253 §8, RFC 8268): <c>diffie-hellman-group14-sha256</c>,
/// <c>-group16-sha512</c>, <c>-group18-sha512</c>, and the legacy SHA-1 ones <c>-group14-sha1</c> and
/// <c>-group1-sha1</c> (off by default). KEXDH_INIT (30, mpint e) and KEXDH_REPLY (31, string K_S ‖ mpint f ‖
/// string signature) have the ECDH layout with mpints for strings, and H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖
/// mpint e ‖ mpint f ‖ mpint K).</summary>
internal sealed class DiffieHellmanKeyExchange : EcdhKeyExchange
{
    private readonly DhGroup _group;
    private byte[]? _x;

    public DiffieHellmanKeyExchange(DhGroup group, HashAlgorithmName hash)
    {
        _group = group;
        HashAlgorithm = hash;
    }

    public override HashAlgorithmName HashAlgorithm { get; }

    protected override string Specification => "RFC 4253 §8";

    protected override string FlowSpecification => "RFC 4253 §8";

    protected override (string Init, string Reply, string ClientValue, string ServerValue) Names => ("KEXDH_INIT", "KEXDH_REPLY", "e", "f");

    protected override void CheckPeerPublic(ReadOnlySpan<byte> value, bool fromClient) =>
        _group.ReadPeerPublic(value, fromClient ? "e" : "f", Specification);

    protected override byte[] CreateClientPublic()
    {
        _x = _group.CreatePrivate(2 * HashBits);
        return _group.PublicValue(_x);
    }

    protected override byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic) =>
        Agree(_group.ReadPeerPublic(serverPublic, "f", Specification));

    protected override byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic)
    {
        _x = _group.CreatePrivate(2 * HashBits);
        serverPublic = _group.PublicValue(_x);
        return Agree(_group.ReadPeerPublic(clientPublic, "e", Specification));
    }

    private byte[] Agree(byte[] peer)
    {
        try
        {
            return _group.Agree(peer, _x ?? throw new InvalidOperationException("The exponent comes first."));
        }
        finally
        {
            Dispose();
        }
    }

    private int HashBits => HashAlgorithm == HashAlgorithmName.SHA1 ? 160 : HashAlgorithm == HashAlgorithmName.SHA256 ? 256 : 512;

    public override void Dispose()
    {
        if (_x is not null) CryptographicOperations.ZeroMemory(_x);
        _x = null;
    }
}
