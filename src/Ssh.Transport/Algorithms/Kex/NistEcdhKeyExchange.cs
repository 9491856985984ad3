using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>ecdh-sha2-nistp256</c>, <c>-nistp384</c>, <c>-nistp521</c> (RFC 5656 §4, §6.2): ECDH on the NIST
/// curves with SHA-256/384/512. Q_C and Q_S are uncompressed points (SEC1 §2.3.3); the peer's is checked to lie on
/// the curve (RFC 5656 §4: "MUST verify") by the platform's import; K is the x-coordinate of the shared point, as an
/// mpint.</summary>
internal sealed class NistEcdhKeyExchange : EcdhKeyExchange
{
    private readonly ECCurve _curve;
    private readonly int _fieldBytes;
    private readonly string _name;
    private ECDiffieHellman? _key;

    private NistEcdhKeyExchange(string name, ECCurve curve, int fieldBytes, HashAlgorithmName hash)
    {
        _name = name;
        _curve = curve;
        _fieldBytes = fieldBytes;
        HashAlgorithm = hash;
    }

    public static NistEcdhKeyExchange P256() => new("nistp256", ECCurve.NamedCurves.nistP256, 32, HashAlgorithmName.SHA256);

    public static NistEcdhKeyExchange P384() => new("nistp384", ECCurve.NamedCurves.nistP384, 48, HashAlgorithmName.SHA384);

    public static NistEcdhKeyExchange P521() => new("nistp521", ECCurve.NamedCurves.nistP521, 66, HashAlgorithmName.SHA512);

    public override HashAlgorithmName HashAlgorithm { get; }

    protected override string Specification => "RFC 5656 §4";

    protected override void CheckPeerPublic(ReadOnlySpan<byte> value, bool fromClient)
    {
        CheckLength(value, 1 + 2 * _fieldBytes, fromClient);
        if (value[0] != 0x04)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's {_name} point is not in uncompressed form (SEC1 §2.3.3, RFC 5656 §4).");
    }

    protected override byte[] CreateClientPublic() => PublicValue();

    protected override byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic) => Agree(serverPublic);

    protected override byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic)
    {
        serverPublic = PublicValue();
        return Agree(clientPublic);
    }

    private byte[] PublicValue()
    {
        _key ??= ECDiffieHellman.Create(_curve);
        ECParameters p = _key.ExportParameters(false);
        return [0x04, .. Pad(p.Q.X!), .. Pad(p.Q.Y!)];
    }

    private byte[] Pad(byte[] coordinate)
    {
        var padded = new byte[_fieldBytes];
        coordinate.CopyTo(padded, _fieldBytes - coordinate.Length);
        return padded;
    }

    private byte[] Agree(ReadOnlySpan<byte> peerPublic)
    {
        ECDiffieHellman key = _key ?? throw new InvalidOperationException("The ephemeral key comes first.");
        try
        {
            using ECDiffieHellman peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = _curve,
                Q = new ECPoint { X = peerPublic.Slice(1, _fieldBytes).ToArray(), Y = peerPublic.Slice(1 + _fieldBytes).ToArray() },
            });
            return key.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's {_name} public value is not a point on the curve (RFC 5656 §4).");
        }
        finally
        {
            Dispose();
        }
    }

    public override void Dispose()
    {
        _key?.Dispose();
        _key = null;
    }
}
