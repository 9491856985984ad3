using System.Security.Cryptography;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary><c>sntrup761x25519-sha512</c> and <c>sntrup761x25519-sha512@openssh.com</c> (OpenSSH 8.5+,
/// draft-ietf-sshm-ntruprime-ssh): Streamlined NTRU Prime 761 and X25519, SHA-512. Every 1158-byte string is a
/// valid sntrup761 public key (it decodes to a polynomial mod q), so the length is the check. Key generation and
/// decapsulation (client) are BouncyCastle's; encapsulation (server) is <see cref="Sntrup761Encapsulation"/>.</summary>
internal sealed class Sntrup761X25519KeyExchange : HybridKemKeyExchange
{
    public const string Name = "sntrup761x25519-sha512";
    public const string OpenSshName = "sntrup761x25519-sha512@openssh.com";

    // NTRU Prime round 3, sntrup761: public key 1158 bytes, ciphertext 1039 bytes, session key 32 bytes.
    private const int PublicKeyBytes = 1158;
    private const int CiphertextBytes = 1039;

    private static readonly SNtruPrimeParameters Parameters = SNtruPrimeParameters.sntrup761;

    private readonly SecureRandom _random;
    private SNtruPrimePrivateKeyParameters? _privateKey;

    public Sntrup761X25519KeyExchange() : this(new X25519Ephemeral(), new SecureRandom())
    {
    }

    /// <summary>Fixed randomness for the client's key generation, for known-answer tests.</summary>
    internal Sntrup761X25519KeyExchange(X25519Ephemeral x25519, SecureRandom random) : base(x25519) => _random = random;

    public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA512;

    protected override string Specification => "draft-ietf-sshm-ntruprime-ssh §2";

    protected override int KemPublicKeyLength => PublicKeyBytes;

    protected override int KemCiphertextLength => CiphertextBytes;

    protected override byte[] KemGenerateKeyPair()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(_random, Parameters));
        var pair = generator.GenerateKeyPair();
        _privateKey = (SNtruPrimePrivateKeyParameters)pair.Private;
        return ((SNtruPrimePublicKeyParameters)pair.Public).GetEncoded();
    }

    // The server's half is ours (Sntrup761Encapsulation): BouncyCastle's costs a busy server 5–25 ms per handshake.
    protected override byte[] KemEncapsulate(ReadOnlySpan<byte> publicKey, out byte[] ciphertext)
    {
        ciphertext = new byte[CiphertextBytes];
        var secret = new byte[Sntrup761Encapsulation.SessionKeyBytes];
        Sntrup761Encapsulation.Encapsulate(publicKey, ciphertext, secret);
        return secret;
    }

    protected override byte[] KemDecapsulate(ReadOnlySpan<byte> ciphertext)
    {
        SNtruPrimePrivateKeyParameters key = _privateKey ?? throw new InvalidOperationException("The sntrup761 key pair comes first.");
        // Implicit rejection, as ML-KEM: a forged ciphertext gives an unrelated secret, caught at the signature over H.
        byte[] secret = new SNtruPrimeKemExtractor(key).ExtractSecret(ciphertext.ToArray());
        KemForget();
        return secret;
    }

    protected override void KemForget() => _privateKey = null;
}
