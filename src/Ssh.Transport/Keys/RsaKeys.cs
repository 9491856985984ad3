using System.Numerics;
using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>An <c>ssh-rsa</c> public key (RFC 4253 §6.6) used with the SHA-2 signature algorithms of RFC 8332.
/// SHA-1 <c>ssh-rsa</c> signatures verify only where the caller asked for that algorithm (a host key algorithm
/// negotiated on request); user authentication never accepts them, as in OpenSSH since 8.8.</summary>
public sealed class RsaPublicKey : SshPublicKey
{
    /// <summary>The key type, <c>ssh-rsa</c>; as a signature algorithm (SHA-1) it is refused.</summary>
    public const string TypeName = "ssh-rsa";

    /// <summary>The signature algorithm <c>rsa-sha2-512</c> (RFC 8332), the default.</summary>
    public const string Sha512 = "rsa-sha2-512";

    /// <summary>The signature algorithm <c>rsa-sha2-256</c> (RFC 8332).</summary>
    public const string Sha256 = "rsa-sha2-256";

    /// <summary>The smallest modulus accepted, in bits: OpenSSH's floor (SSH_RSA_MINIMUM_MODULUS_SIZE). A smaller key,
    /// from a file or from the peer, is a <see cref="FormatException"/>.</summary>
    public const int MinimumBits = 1024;

    private readonly byte[] _exponent;
    private readonly byte[] _modulus;

    internal RsaPublicKey(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        _exponent = exponent.ToArray();
        _modulus = modulus.ToArray();
        int bits = modulus.Length * 8 - (modulus.IsEmpty ? 0 : BitOperations.LeadingZeroCount((uint)modulus[0]) - 24);
        if (bits < MinimumBits)
            throw new FormatException($"The RSA key has {bits} bits; at least {MinimumBits} are required.");
        // An RSA modulus and public exponent are odd; checked here because the platform fails on some malformed
        // values with exceptions that are not about the key (an empty exponent gives IndexOutOfRange).
        if (exponent.IsEmpty || (exponent[^1] & 1) == 0 || (modulus[^1] & 1) == 0)
            throw new FormatException("The ssh-rsa key's exponent or modulus is not odd; it is not an RSA key.");
        try
        {
            Key = RSA.Create(new RSAParameters { Exponent = _exponent, Modulus = _modulus });
        }
        catch (CryptographicException e)
        {
            // Peer input (a host key, a userauth key) must end as a FormatException the callers turn into a refusal.
            throw new FormatException("The ssh-rsa key's numbers do not form a valid public key.", e);
        }
    }

    internal RSA Key { get; }
    internal int ModulusBytes => _modulus.Length;

    /// <inheritdoc/>
    public override int KeySizeInBits => _modulus.Length * 8 - (_modulus.Length == 0 ? 0 : BitOperations.LeadingZeroCount((uint)_modulus[0]) - 24);

    /// <inheritdoc/>
    public override string KeyType => TypeName;

    /// <summary><c>rsa-sha2-512</c> and <c>rsa-sha2-256</c>; never SHA-1 <c>ssh-rsa</c>.</summary>
    public override IReadOnlyList<string> SignatureAlgorithms => [Sha512, Sha256];

    // string "ssh-rsa" ‖ mpint e ‖ mpint n
    /// <inheritdoc/>
    public override byte[] GetBlob() => new SshBuffer(_modulus.Length + 32).WriteString(TypeName).WriteMpint(_exponent).WriteMpint(_modulus).ToArray();

    internal static RsaPublicKey ReadBody(ReadOnlySpan<byte> blob)
    {
        try
        {
            var reader = new SshReader(blob);
            reader.ReadStringBytes();
            ReadOnlySpan<byte> e = reader.ReadMpintUnsigned();
            ReadOnlySpan<byte> n = reader.ReadMpintUnsigned();
            reader.EnsureEnd("The ssh-rsa key blob");
            return new RsaPublicKey(e, n);
        }
        catch (SshProtocolException ex)
        {
            throw new FormatException("The ssh-rsa key blob is malformed.", ex);
        }
    }

    internal static HashAlgorithmName HashFor(string algorithm) => algorithm switch
    {
        Sha512 => HashAlgorithmName.SHA512,
        Sha256 => HashAlgorithmName.SHA256,
        TypeName => HashAlgorithmName.SHA1,
        _ => throw new NotSupportedException($"RSA signature algorithm '{algorithm}' is not supported."),
    };

    /// <summary>Verifies an <c>rsa-sha2-512</c> or <c>rsa-sha2-256</c> signature blob over <paramref name="data"/>;
    /// false for SHA-1 <c>ssh-rsa</c>, a malformed blob or a bad signature.</summary>
    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (!TryReadSignatureBlob(signatureBlob, out string algorithm, out ReadOnlySpan<byte> signature)) return false;
        if (algorithm is not (Sha512 or Sha256 or TypeName) || signature.Length > _modulus.Length) return false;
        // RFC 8332 §3: the signature is as long as the modulus; accept a shorter one padded back, as OpenSSH does.
        Span<byte> padded = stackalloc byte[_modulus.Length];
        padded.Clear();
        signature.CopyTo(padded[(padded.Length - signature.Length)..]);
        return Key.VerifyData(data, padded, HashFor(algorithm), RSASignaturePadding.Pkcs1);
    }
}

/// <summary>An RSA private key; signs with rsa-sha2-512 unless told rsa-sha2-256 (or, for a host key negotiated on
/// request, SHA-1 <c>ssh-rsa</c>).</summary>
public sealed class RsaPrivateKey : SshPrivateKey
{
    private readonly RSA _key;

    internal RsaPrivateKey(RSAParameters parameters)
    {
        _key = RSA.Create(parameters);
        PublicKey = new RsaPublicKey(parameters.Exponent, parameters.Modulus);
    }

    /// <summary>From the fields of an OpenSSH key file: n, e, d, iqmp, p, q (PROTOCOL.key).</summary>
    internal static RsaPrivateKey FromComponents(ReadOnlySpan<byte> n, ReadOnlySpan<byte> e, ReadOnlySpan<byte> d,
        ReadOnlySpan<byte> iqmp, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q)
    {
        var bigD = new BigInteger(d, isUnsigned: true, isBigEndian: true);
        var bigP = new BigInteger(p, isUnsigned: true, isBigEndian: true);
        var bigQ = new BigInteger(q, isUnsigned: true, isBigEndian: true);
        // Checked before d mod (p-1) and d mod (q-1): a "prime" of 1 would divide by zero.
        if (bigP <= BigInteger.One || bigQ <= BigInteger.One) throw new FormatException("The RSA private key has a prime below 2; the file is corrupt.");
        int half = (n.Length + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = n.ToArray(),
            Exponent = e.ToArray(),
            D = Pad(d.ToArray(), n.Length),
            P = Pad(p.ToArray(), half),
            Q = Pad(q.ToArray(), half),
            DP = Pad((bigD % (bigP - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
            DQ = Pad((bigD % (bigQ - 1)).ToByteArray(isUnsigned: true, isBigEndian: true), half),
            InverseQ = Pad(iqmp.ToArray(), half),
        };
        try
        {
            return new RsaPrivateKey(parameters);
        }
        catch (CryptographicException ex)
        {
            throw new FormatException("The RSA private key's numbers do not form a valid key; the file is corrupt.", ex);
        }
    }

    /// <summary>.NET wants D as long as the modulus and the CRT values half as long, left-padded with zeros.</summary>
    private static byte[] Pad(byte[] value, int length)
    {
        if (value.Length >= length) return value;
        byte[] padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        return padded;
    }

    /// <summary>The smallest modulus <see cref="Generate"/> makes: 2048 bits (smaller keys are still read).</summary>
    public const int MinimumGeneratedBits = 2048;

    /// <summary>The largest modulus <see cref="Generate"/> makes, OpenSSH's limit.</summary>
    public const int MaximumBits = 16384;

    /// <summary>A new random key with a modulus of <paramref name="bits"/> bits (3072 by default, as ssh-keygen).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is below <see cref="MinimumGeneratedBits"/>,
    /// above <see cref="MaximumBits"/>, or not a multiple of 8.</exception>
    public static RsaPrivateKey Generate(int bits = 3072)
    {
        if (bits < MinimumGeneratedBits || bits > MaximumBits || bits % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"RSA keys are made with {MinimumGeneratedBits} to {MaximumBits} bits, a multiple of 8.");
        using RSA rsa = RSA.Create(bits);
        RSAParameters p = rsa.ExportParameters(true);
        try
        {
            return new RsaPrivateKey(p);
        }
        finally
        {
            foreach (byte[]? secret in new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ }) CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey { get; }

    internal RSAParameters Export() => _key.ExportParameters(true);

    /// <summary>PKCS#1 RSAPrivateKey DER.</summary>
    internal byte[] ExportPkcs1() => _key.ExportRSAPrivateKey();

    /// <summary>PKCS#8 PrivateKeyInfo DER.</summary>
    internal byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    /// <summary>Signs with <c>rsa-sha2-512</c>, or with <c>rsa-sha2-256</c> when asked; null or <c>ssh-rsa</c> (the key
    /// type) mean <c>rsa-sha2-512</c>.</summary>
    /// <exception cref="NotSupportedException">Any other <paramref name="signatureAlgorithm"/>.</exception>
    public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null)
    {
        // "ssh-rsa" is the SHA-1 signature algorithm of RFC 4253 §6.6, used only when negotiated as such.
        string algorithm = signatureAlgorithm ?? RsaPublicKey.Sha512;
        byte[] signature = _key.SignData(data.ToArray(), RsaPublicKey.HashFor(algorithm), RSASignaturePadding.Pkcs1);
        return new SshBuffer(signature.Length + 32).WriteString(algorithm).WriteString(signature).ToArray();
    }

    /// <summary>Releases the platform key.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _key.Dispose();
    }
}
