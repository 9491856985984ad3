using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>mlkem768x25519-sha256</c> (OpenSSH 9.9+, draft-ietf-sshm-mlkem-hybrid-kex): ML-KEM-768 (FIPS 203)
/// and X25519, SHA-256. The server checks the client's encapsulation key as FIPS 203 §7.2 requires (every
/// coefficient below q) before it encapsulates, as OpenSSH does.</summary>
internal sealed class MlKem768X25519KeyExchange : HybridKemKeyExchange
{
    public const string Name = "mlkem768x25519-sha256";

    // FIPS 203 table 3, ML-KEM-768: ek 1184 bytes, ciphertext 1088 bytes, shared secret 32 bytes.
    private const int PublicKeyBytes = 1184;
    private const int CiphertextBytes = 1088;
    private const int SecretBytes = 32;

    private static readonly MLKemParameters Parameters = MLKemParameters.ml_kem_768;

    private readonly SecureRandom _random;
    private MLKemPrivateKeyParameters? _privateKey;

    public MlKem768X25519KeyExchange() : this(new X25519Ephemeral(), new SecureRandom())
    {
    }

    /// <summary>Fixed randomness, for known-answer tests: the X25519 scalar, and the source of the ML-KEM key
    /// generation seed (client) or encapsulation message (server).</summary>
    internal MlKem768X25519KeyExchange(X25519Ephemeral x25519, SecureRandom random) : base(x25519) => _random = random;

    public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    protected override string Specification => "draft-ietf-sshm-mlkem-hybrid-kex §2";

    protected override int KemPublicKeyLength => PublicKeyBytes;

    protected override int KemCiphertextLength => CiphertextBytes;

    protected override byte[] KemGenerateKeyPair()
    {
        var generator = new MLKemKeyPairGenerator();
        generator.Init(new MLKemKeyGenerationParameters(_random, Parameters));
        _privateKey = (MLKemPrivateKeyParameters)generator.GenerateKeyPair().Private;
        return _privateKey.GetPublicKeyEncoded();
    }

    protected override byte[] KemEncapsulate(ReadOnlySpan<byte> publicKey, out byte[] ciphertext)
    {
        MLKemPublicKeyParameters key;
        try
        {
            key = MLKemPublicKeyParameters.FromEncoding(Parameters, publicKey.ToArray());
        }
        catch (ArgumentException)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The client's ML-KEM-768 public key fails the FIPS 203 §7.2 check: a coefficient is not below q = 3329.");
        }
        var encapsulator = new MLKemEncapsulator(Parameters);
        encapsulator.Init(new ParametersWithRandom(key, _random));
        ciphertext = new byte[CiphertextBytes];
        var secret = new byte[SecretBytes];
        encapsulator.Encapsulate(ciphertext, secret);
        return secret;
    }

    protected override byte[] KemDecapsulate(ReadOnlySpan<byte> ciphertext)
    {
        MLKemPrivateKeyParameters key = _privateKey ?? throw new InvalidOperationException("The ML-KEM key pair comes first.");
        var decapsulator = new MLKemDecapsulator(Parameters);
        decapsulator.Init(key);
        var secret = new byte[SecretBytes];
        // FIPS 203 §6.3: a ciphertext that does not decrypt gives a pseudorandom secret (implicit rejection), so a
        // forged one fails later, at the host key signature over H.
        decapsulator.Decapsulate(ciphertext, secret);
        KemForget();
        return secret;
    }

    // BouncyCastle keeps the private key in its own arrays; dropping our reference is all it allows.
    protected override void KemForget() => _privateKey = null;
}
