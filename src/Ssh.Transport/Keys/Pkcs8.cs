using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>
/// PKCS#8 (RFC 5208/5958) pieces the platform does not do for every key type: the Ed25519 PrivateKeyInfo of
/// RFC 8410, and PBES2 encryption (RFC 8018: PBKDF2 with an HMAC-SHA-2 PRF and AES-CBC or 3DES-CBC) of any
/// PrivateKeyInfo, for <c>BEGIN ENCRYPTED PRIVATE KEY</c> files as OpenSSL and ssh-keygen write them.
/// </summary>
internal static class Pkcs8
{
    public const string RsaOid = "1.2.840.113549.1.1.1";
    public const string EcOid = "1.2.840.10045.2.1";
    public const string Ed25519Oid = "1.3.101.112";
    private const string Pbes2Oid = "1.2.840.113549.1.5.13";
    private const string Pbkdf2Oid = "1.2.840.113549.1.5.12";
    private const string HmacSha1Oid = "1.2.840.113549.2.7";

    /// <summary>Iterations we write (PBKDF2-HMAC-SHA256); OpenSSL's default is 2048, far too few for a passphrase.</summary>
    public const int WriteIterations = 100_000;

    /// <summary>Files asking for more are refused: a hostile file must not spin for hours.</summary>
    private const int MaxIterations = 1_000_000;

    private static readonly Dictionary<string, HashAlgorithmName> Prfs = new()
    {
        [HmacSha1Oid] = HashAlgorithmName.SHA1,
        ["1.2.840.113549.2.9"] = HashAlgorithmName.SHA256,
        ["1.2.840.113549.2.10"] = HashAlgorithmName.SHA384,
        ["1.2.840.113549.2.11"] = HashAlgorithmName.SHA512,
    };

    // OID → (key length, block size); 3DES is only read.
    private static readonly Dictionary<string, (int Key, int Block)> Ciphers = new()
    {
        ["2.16.840.1.101.3.4.1.2"] = (16, 16),
        ["2.16.840.1.101.3.4.1.22"] = (24, 16),
        ["2.16.840.1.101.3.4.1.42"] = (32, 16),
        ["1.2.840.113549.3.7"] = (24, 8),
    };

    /// <summary>The algorithm OID of a PrivateKeyInfo.</summary>
    /// <exception cref="FormatException">Not a PrivateKeyInfo.</exception>
    public static string AlgorithmOf(ReadOnlySpan<byte> privateKeyInfo)
    {
        try
        {
            var reader = new AsnReader(privateKeyInfo.ToArray(), AsnEncodingRules.BER).ReadSequence();
            reader.ReadInteger();
            return reader.ReadSequence().ReadObjectIdentifier();
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The PKCS#8 key is not a valid PrivateKeyInfo (RFC 5208).", e);
        }
    }

    /// <summary>RFC 8410 §7: PrivateKeyInfo { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING seed } }.</summary>
    public static byte[] WriteEd25519(ReadOnlySpan<byte> seed)
    {
        var inner = new AsnWriter(AsnEncodingRules.DER);
        inner.WriteOctetString(seed);
        byte[] curvePrivateKey = inner.Encode();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence()) writer.WriteObjectIdentifier(Ed25519Oid);
            writer.WriteOctetString(curvePrivateKey);
        }
        CryptographicOperations.ZeroMemory(curvePrivateKey);
        return writer.Encode();
    }

    /// <summary>The 32-byte seed of an RFC 8410 Ed25519 PrivateKeyInfo (version 0 or 1; a public key, if present, is
    /// left to the caller to compare).</summary>
    /// <exception cref="FormatException">Malformed.</exception>
    public static byte[] ReadEd25519(ReadOnlySpan<byte> privateKeyInfo)
    {
        try
        {
            var reader = new AsnReader(privateKeyInfo.ToArray(), AsnEncodingRules.BER).ReadSequence();
            reader.ReadInteger();
            AsnReader algorithm = reader.ReadSequence();
            if (algorithm.ReadObjectIdentifier() != Ed25519Oid || algorithm.HasData)
                throw new FormatException("The PKCS#8 key is not an Ed25519 key (RFC 8410 says: no parameters).");
            byte[] seed = new AsnReader(reader.ReadOctetString(), AsnEncodingRules.BER).ReadOctetString();
            if (seed.Length != 32) throw new FormatException($"The PKCS#8 Ed25519 key is {seed.Length} bytes, not 32.");
            return seed;
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The PKCS#8 Ed25519 key is malformed.", e);
        }
    }

    /// <summary>EncryptedPrivateKeyInfo with PBES2: PBKDF2-HMAC-SHA256 over a random salt, AES-256-CBC.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> privateKeyInfo, string passphrase)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        byte[] iv = RandomNumberGenerator.GetBytes(16);
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(password, salt, WriteIterations, HashAlgorithmName.SHA256, 32);
        byte[] encrypted;
        using (var aes = Aes.Create())
        {
            aes.Key = key;
            encrypted = aes.EncryptCbc(privateKeyInfo, iv, PaddingMode.PKCS7);
        }
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(password);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Pbes2Oid);
                using (writer.PushSequence())
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(Pbkdf2Oid);
                        using (writer.PushSequence())
                        {
                            writer.WriteOctetString(salt);
                            writer.WriteInteger(WriteIterations);
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier("1.2.840.113549.2.9");
                                writer.WriteNull();
                            }
                        }
                    }
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("2.16.840.1.101.3.4.1.42");
                        writer.WriteOctetString(iv);
                    }
                }
            }
            writer.WriteOctetString(encrypted);
        }
        return writer.Encode();
    }

    /// <summary>The PrivateKeyInfo inside a PBES2 EncryptedPrivateKeyInfo.</summary>
    /// <exception cref="FormatException">Malformed, or encrypted with a scheme other than PBES2/PBKDF2.</exception>
    /// <exception cref="KeyPassphraseException">The passphrase does not decrypt it.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> encryptedPrivateKeyInfo, string passphrase)
    {
        byte[] salt, iv, data;
        int iterations, keyLength, blockSize;
        string cipherOid;
        HashAlgorithmName prf;
        try
        {
            var reader = new AsnReader(encryptedPrivateKeyInfo.ToArray(), AsnEncodingRules.BER).ReadSequence();
            AsnReader algorithm = reader.ReadSequence();
            string scheme = algorithm.ReadObjectIdentifier();
            if (scheme != Pbes2Oid)
                throw new FormatException($"The PKCS#8 key is encrypted with scheme {scheme}; only PBES2 (RFC 8018) is supported. Re-encrypt it with 'ssh-keygen -p -m PKCS8'.");
            AsnReader parameters = algorithm.ReadSequence();
            AsnReader kdf = parameters.ReadSequence();
            if (kdf.ReadObjectIdentifier() != Pbkdf2Oid) throw new FormatException("The PKCS#8 key's PBES2 key derivation is not PBKDF2.");
            AsnReader kdfParameters = kdf.ReadSequence();
            salt = kdfParameters.ReadOctetString();
            if (!kdfParameters.TryReadInt32(out iterations) || iterations < 1 || iterations > MaxIterations)
                throw new FormatException($"The PKCS#8 key asks for an iteration count outside 1..{MaxIterations}.");
            int? declaredKeyLength = null;
            if (kdfParameters.HasData && kdfParameters.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
                declaredKeyLength = kdfParameters.TryReadInt32(out int length) ? length : -1;
            string prfOid = HmacSha1Oid;
            if (kdfParameters.HasData) prfOid = kdfParameters.ReadSequence().ReadObjectIdentifier();
            prf = Prfs.TryGetValue(prfOid, out HashAlgorithmName p) ? p : throw new FormatException($"The PKCS#8 key's PBKDF2 PRF {prfOid} is not supported.");
            AsnReader encryption = parameters.ReadSequence();
            cipherOid = encryption.ReadObjectIdentifier();
            if (!Ciphers.TryGetValue(cipherOid, out var cipher)) throw new FormatException($"The PKCS#8 key's cipher {cipherOid} is not supported (AES-CBC and 3DES-CBC are).");
            (keyLength, blockSize) = cipher;
            if (declaredKeyLength is { } declared && declared != keyLength) throw new FormatException("The PKCS#8 key's PBKDF2 key length does not fit its cipher.");
            iv = encryption.ReadOctetString();
            if (iv.Length != blockSize) throw new FormatException("The PKCS#8 key's IV does not fit its cipher.");
            data = reader.ReadOctetString();
            if (data.Length == 0 || data.Length % blockSize != 0) throw new FormatException("The PKCS#8 key's encrypted data is not whole blocks.");
        }
        catch (AsnContentException e)
        {
            throw new FormatException("The encrypted PKCS#8 key is malformed.", e);
        }

        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, prf, keyLength);
        CryptographicOperations.ZeroMemory(password);
        try
        {
            using SymmetricAlgorithm algorithm = blockSize == 8 ? TripleDES.Create() : Aes.Create();
            algorithm.Key = key;
            return algorithm.DecryptCbc(data, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            throw new KeyPassphraseException("The passphrase does not decrypt the PKCS#8 key; check it and try again.", passphraseGiven: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
