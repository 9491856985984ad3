using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>An <c>ssh-ed25519</c> public key (RFC 8709).</summary>
public sealed class Ed25519PublicKey : SshPublicKey
{
    /// <summary>The key type and signature algorithm name, <c>ssh-ed25519</c>.</summary>
    public const string TypeName = "ssh-ed25519";

    /// <summary>The length of the public key in bytes (RFC 8032 §5.1.5).</summary>
    public const int KeySize = 32;

    private readonly byte[] _key;

    /// <summary>The key from its 32 raw bytes (the encoded curve point, as in the blob).</summary>
    /// <exception cref="FormatException"><paramref name="key"/> is not <see cref="KeySize"/> bytes long.</exception>
    public Ed25519PublicKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
            throw new FormatException($"An Ed25519 public key is {KeySize} bytes, not {key.Length}.");
        _key = key.ToArray();
    }

    /// <inheritdoc/>
    public override string KeyType => TypeName;

    /// <inheritdoc/>
    public override int KeySizeInBits => 256;

    /// <summary>The 32 raw bytes of the key.</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <inheritdoc/>
    public override byte[] GetBlob() => new SshBuffer(51).WriteString(TypeName).WriteString(_key).ToArray();

    internal static Ed25519PublicKey ReadBody(ReadOnlySpan<byte> blob)
    {
        try
        {
            var reader = new SshReader(blob);
            reader.ReadStringBytes();
            ReadOnlySpan<byte> key = reader.ReadStringBytes();
            reader.EnsureEnd("The ssh-ed25519 key blob");
            return new Ed25519PublicKey(key);
        }
        catch (SshProtocolException e)
        {
            throw new FormatException("The ssh-ed25519 key blob is malformed.", e);
        }
    }

    /// <inheritdoc/>
    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob)
    {
        if (!TryReadSignatureBlob(signatureBlob, out string algorithm, out ReadOnlySpan<byte> signature))
            return false;
        if (algorithm != TypeName || signature.Length != 64)
            return false;
        try
        {
            var verifier = new Ed25519Signer();
            verifier.Init(false, new Ed25519PublicKeyParameters(_key));
            verifier.BlockUpdate(data);
            return verifier.VerifySignature(signature.ToArray());
        }
        catch (ArgumentException)
        {
            return false; // a public key that is not a valid curve point
        }
    }
}

/// <summary>An Ed25519 private key (RFC 8032 seed).</summary>
public sealed class Ed25519PrivateKey : SshPrivateKey
{
    private readonly byte[] _seed;
    private readonly Ed25519PrivateKeyParameters _parameters;

    /// <summary>The key from its 32-byte seed (the RFC 8032 private key), which is copied.</summary>
    /// <exception cref="FormatException"><paramref name="seed"/> is not 32 bytes long.</exception>
    public Ed25519PrivateKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
            throw new FormatException($"An Ed25519 private key seed is 32 bytes, not {seed.Length}.");
        _seed = seed.ToArray();
        _parameters = new Ed25519PrivateKeyParameters(_seed);
        PublicKey = new Ed25519PublicKey(_parameters.GeneratePublicKey().GetEncoded());
    }

    /// <summary>A new random key.</summary>
    public static Ed25519PrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[32];
        RandomNumberGenerator.Fill(seed);
        var key = new Ed25519PrivateKey(seed);
        CryptographicOperations.ZeroMemory(seed);
        return key;
    }

    /// <inheritdoc/>
    public override SshPublicKey PublicKey { get; }

    internal ReadOnlySpan<byte> Seed => _seed;

    /// <summary>Signs with <c>ssh-ed25519</c>, the only algorithm an Ed25519 key has.</summary>
    /// <exception cref="NotSupportedException"><paramref name="signatureAlgorithm"/> is neither null nor <c>ssh-ed25519</c>.</exception>
    public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null)
    {
        if (signatureAlgorithm is not null && signatureAlgorithm != Ed25519PublicKey.TypeName)
            throw new NotSupportedException($"An Ed25519 key cannot sign with '{signatureAlgorithm}'.");
        var signer = new Ed25519Signer();
        signer.Init(true, _parameters);
        signer.BlockUpdate(data);
        byte[] signature = signer.GenerateSignature();
        return new SshBuffer(83).WriteString(Ed25519PublicKey.TypeName).WriteString(signature).ToArray();
    }

    /// <summary>Zeroes the seed.</summary>
    protected override void Dispose(bool disposing) => CryptographicOperations.ZeroMemory(_seed);
}
