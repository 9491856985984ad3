using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>The three NIST curves of RFC 5656 §10.1 with their SSH names and hashes (§6.2.1).</summary>
internal sealed record EcdsaCurve(string KeyType, string Identifier, ECCurve Curve, HashAlgorithmName Hash, int FieldBytes)
{
    public static readonly EcdsaCurve P256 = new("ecdsa-sha2-nistp256", "nistp256", ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32);
    public static readonly EcdsaCurve P384 = new("ecdsa-sha2-nistp384", "nistp384", ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48);
    public static readonly EcdsaCurve P521 = new("ecdsa-sha2-nistp521", "nistp521", ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, 66);

    public static readonly IReadOnlyList<EcdsaCurve> All = [P256, P384, P521];

    public static EcdsaCurve? ForKeyType(string keyType) => All.FirstOrDefault(c => c.KeyType == keyType);
}

/// <summary>An <c>ecdsa-sha2-nistp256/384/521</c> public key (RFC 5656 §3.1): the curve point, validated on import.</summary>
public sealed class EcdsaPublicKey : SshPublicKey
{
    private readonly EcdsaCurve _curve;
    private readonly byte[] _point;

    internal EcdsaPublicKey(EcdsaCurve curve, ReadOnlySpan<byte> point)
    {
        _curve = curve;
        _point = point.ToArray();
        Key = ImportPoint(curve, point);
    }

    internal ECDsa Key { get; }
    internal EcdsaCurve Curve => _curve;

    /// <inheritdoc/>
    public override int KeySizeInBits => _curve.Curve.Oid.FriendlyName switch { "nistP384" => 384, "nistP521" => 521, _ => 256 };

    /// <summary><c>ecdsa-sha2-nistp256</c>, <c>ecdsa-sha2-nistp384</c> or <c>ecdsa-sha2-nistp521</c>; also the
    /// signature algorithm's name.</summary>
    public override string KeyType => _curve.KeyType;

    // string type ‖ string curve identifier ‖ string Q (uncompressed point, SEC1 §2.3.3)
    /// <inheritdoc/>
    public override byte[] GetBlob() => new SshBuffer(_point.Length + 48).WriteString(_curve.KeyType).WriteString(_curve.Identifier).WriteString(_point).ToArray();

    internal static EcdsaPublicKey ReadBody(string type, ReadOnlySpan<byte> blob)
    {
        EcdsaCurve curve = EcdsaCurve.ForKeyType(type)!;
        try
        {
            var reader = new SshReader(blob);
            reader.ReadStringBytes();
            string identifier = reader.ReadString();
            if (identifier != curve.Identifier)
                throw new FormatException($"A {type} key names curve '{identifier}' (RFC 5656 §3.1).");
            ReadOnlySpan<byte> point = reader.ReadStringBytes();
            reader.EnsureEnd($"The {type} key blob");
            return new EcdsaPublicKey(curve, point);
        }
        catch (SshProtocolException e)
        {
            throw new FormatException($"The {type} key blob is malformed.", e);
        }
    }

    /// <summary>Imports an uncompressed point; the platform checks it lies on the curve (an invalid point would
    /// otherwise be an attack on the verifier).</summary>
    private static ECDsa ImportPoint(EcdsaCurve curve, ReadOnlySpan<byte> point)
    {
        if (point.Length != 1 + 2 * curve.FieldBytes || point[0] != 0x04)
            throw new FormatException($"A {curve.KeyType} public key must be an uncompressed point of {1 + 2 * curve.FieldBytes} bytes.");
        var parameters = new ECParameters
        {
            Curve = curve.Curve,
            Q = new ECPoint { X = point.Slice(1, curve.FieldBytes).ToArray(), Y = point.Slice(1 + curve.FieldBytes, curve.FieldBytes).ToArray() },
        };
        try
        {
            return ECDsa.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new FormatException($"The {curve.KeyType} public key is not a point on the curve.", e);
        }
    }

    /// <inheritdoc/>
    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (!TryReadSignatureBlob(signatureBlob, out string algorithm, out ReadOnlySpan<byte> signature) || algorithm != KeyType)
            return false;
        // RFC 5656 §3.1.2: the signature is mpint r ‖ mpint s; the platform wants them as fixed-size big-endian halves.
        Span<byte> fixedSize = stackalloc byte[2 * _curve.FieldBytes];
        try
        {
            var reader = new SshReader(signature);
            if (!CopyFixed(reader.ReadMpintUnsigned(), fixedSize[.._curve.FieldBytes]) ||
                !CopyFixed(reader.ReadMpintUnsigned(), fixedSize[_curve.FieldBytes..]) || !reader.AtEnd)
                return false;
        }
        catch (SshProtocolException)
        {
            return false;
        }
        return Key.VerifyData(data, fixedSize, _curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static bool CopyFixed(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        if (value.Length > destination.Length) return false;
        destination.Clear();
        value.CopyTo(destination[(destination.Length - value.Length)..]);
        return true;
    }
}

/// <summary>An ECDSA private key on one of the NIST curves.</summary>
public sealed class EcdsaPrivateKey : SshPrivateKey
{
    private readonly ECDsa _key;
    private readonly EcdsaCurve _curve;

    internal EcdsaPrivateKey(EcdsaCurve curve, ReadOnlySpan<byte> point, ReadOnlySpan<byte> privateScalar)
    {
        _curve = curve;
        var publicKey = new EcdsaPublicKey(curve, point);
        byte[] d = new byte[curve.FieldBytes];
        if (privateScalar.Length > d.Length) throw new FormatException($"The {curve.KeyType} private scalar is too long.");
        privateScalar.CopyTo(d.AsSpan(d.Length - privateScalar.Length));
        ECParameters parameters = publicKey.Key.ExportParameters(false);
        parameters.D = d;
        try
        {
            _key = ECDsa.Create(parameters);
        }
        catch (CryptographicException e)
        {
            throw new FormatException($"The {curve.KeyType} private key does not match its public key.", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
        PublicKey = publicKey;
    }

    /// <summary>A new random key on the NIST curve of <paramref name="bits"/> bits: 256, 384 or 521.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is not 256, 384 or 521.</exception>
    public static EcdsaPrivateKey Generate(int bits = 256)
    {
        EcdsaCurve curve = bits switch { 256 => EcdsaCurve.P256, 384 => EcdsaCurve.P384, 521 => EcdsaCurve.P521, _ => throw new ArgumentOutOfRangeException(nameof(bits)) };
        using var key = ECDsa.Create(curve.Curve);
        ECParameters p = key.ExportParameters(true);
        byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
        var result = new EcdsaPrivateKey(curve, point, p.D);
        CryptographicOperations.ZeroMemory(p.D);
        return result;
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey { get; }

    internal EcdsaCurve Curve => _curve;

    /// <summary>SEC1 ECPrivateKey DER (RFC 5915), as in <c>BEGIN EC PRIVATE KEY</c>.</summary>
    internal byte[] ExportSec1() => _key.ExportECPrivateKey();

    /// <summary>PKCS#8 PrivateKeyInfo DER.</summary>
    internal byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    /// <summary>The private scalar (big-endian), for writing key files.</summary>
    internal byte[] ExportScalar() => _key.ExportParameters(true).D!;

    /// <summary>Signs with the key's own algorithm (its key type), hashing with SHA-256, -384 or -512 by curve
    /// (RFC 5656 §6.2.1).</summary>
    /// <exception cref="NotSupportedException"><paramref name="signatureAlgorithm"/> is neither null nor the key type.</exception>
    public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null)
    {
        if (signatureAlgorithm is not null && signatureAlgorithm != _curve.KeyType)
            throw new NotSupportedException($"An {_curve.KeyType} key cannot sign with '{signatureAlgorithm}'.");
        byte[] fixedSize = _key.SignData(data, _curve.Hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        byte[] inner = new SshBuffer(fixedSize.Length + 16)
            .WriteMpint(fixedSize.AsSpan(0, _curve.FieldBytes))
            .WriteMpint(fixedSize.AsSpan(_curve.FieldBytes))
            .ToArray();
        return new SshBuffer(inner.Length + 32).WriteString(_curve.KeyType).WriteString(inner).ToArray();
    }

    /// <summary>Releases the platform key.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _key.Dispose();
    }
}
