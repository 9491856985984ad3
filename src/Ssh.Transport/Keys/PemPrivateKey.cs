using System.Security.Cryptography;
using System.Text;

namespace Ssh.Transport.Keys;

/// <summary>
/// Private keys in the PEM formats of OpenSSL and <c>ssh-keygen -m PEM|PKCS8</c>, read and written: PKCS#1
/// (<c>BEGIN RSA PRIVATE KEY</c>), SEC1 (<c>BEGIN EC PRIVATE KEY</c>), each optionally with OpenSSL's traditional
/// encryption (<c>Proc-Type: 4,ENCRYPTED</c>, <c>DEK-Info</c>: AES-CBC or 3DES-CBC under EVP_BytesToKey, what
/// ssh-keygen writes for a passphrase), and PKCS#8 (<c>BEGIN PRIVATE KEY</c>, or <c>BEGIN ENCRYPTED PRIVATE KEY</c>
/// with PBES2) for RSA, ECDSA and Ed25519 (RFC 8410).
/// </summary>
internal static class PemPrivateKey
{
    private const string Rsa = "RSA PRIVATE KEY";
    private const string Ec = "EC PRIVATE KEY";
    private const string Plain = "PRIVATE KEY";
    private const string Encrypted = "ENCRYPTED PRIVATE KEY";

    public static bool IsPem(string text) =>
        text.Contains("-----BEGIN " + Rsa + "-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN " + Ec + "-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN " + Plain + "-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN " + Encrypted + "-----", StringComparison.Ordinal);

    public static SshPrivateKey Parse(string text, string? passphrase)
    {
        (string label, Dictionary<string, string> headers, byte[] der) = Decode(text);
        bool encrypted = label == Encrypted || headers.ContainsKey("DEK-Info");
        if (encrypted && passphrase is null)
            throw new KeyPassphraseException("The PEM key is encrypted with a passphrase; supply the passphrase to load it.", passphraseGiven: false);
        if (headers.TryGetValue("DEK-Info", out string? dekInfo)) der = Swap(der, DecryptTraditional(der, dekInfo, passphrase!));
        if (label == Encrypted) der = Swap(der, Pkcs8.Decrypt(der, passphrase!));
        try
        {
            return label switch
            {
                Rsa => ImportRsa(rsa => rsa.ImportRSAPrivateKey(der, out _)),
                Ec => ImportEc(ec => ec.ImportECPrivateKey(der, out _)),
                Plain or Encrypted => ImportPkcs8(der),
                _ => throw new FormatException($"A PEM '{label}' block is not a private key this library reads."),
            };
        }
        catch (FormatException) when (encrypted)
        {
            // A wrong passphrase yields garbage that, once in 256 times, passes the padding check but not the parse.
            throw new KeyPassphraseException("The passphrase does not decrypt the PEM key; check it and try again.", passphraseGiven: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    private static byte[] Swap(byte[] old, byte[] replacement)
    {
        CryptographicOperations.ZeroMemory(old);
        return replacement;
    }

    private static SshPrivateKey ImportPkcs8(byte[] der)
    {
        string oid = Pkcs8.AlgorithmOf(der);
        switch (oid)
        {
            case Pkcs8.RsaOid:
                return ImportRsa(rsa => rsa.ImportPkcs8PrivateKey(der, out _));
            case Pkcs8.EcOid:
                return ImportEc(ec => ec.ImportPkcs8PrivateKey(der, out _));
            case Pkcs8.Ed25519Oid:
                byte[] seed = Pkcs8.ReadEd25519(der);
                try
                {
                    return new Ed25519PrivateKey(seed);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seed);
                }
            default:
                throw new FormatException($"The PKCS#8 key's algorithm {oid} is not one SSH uses here (RSA, ECDSA, Ed25519).");
        }
    }

    private static RsaPrivateKey ImportRsa(Action<RSA> import)
    {
        using RSA rsa = RSA.Create();
        try
        {
            import(rsa);
            RSAParameters p = rsa.ExportParameters(true);
            try
            {
                return new RsaPrivateKey(p);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(p.D);
                CryptographicOperations.ZeroMemory(p.P);
                CryptographicOperations.ZeroMemory(p.Q);
            }
        }
        catch (CryptographicException e)
        {
            throw new FormatException("The PEM key is not a readable RSA key: " + e.Message, e);
        }
    }

    private static EcdsaPrivateKey ImportEc(Action<ECDsa> import)
    {
        using ECDsa ec = ECDsa.Create();
        try
        {
            import(ec);
        }
        catch (CryptographicException e)
        {
            throw new FormatException("The PEM key is not a readable ECDSA key: " + e.Message, e);
        }
        catch (PlatformNotSupportedException e)
        {
            // The platform names it so when the key's curve is one it does not know (an unknown OID in the file).
            throw new FormatException("The PEM key is on a curve this platform cannot use; SSH uses NIST P-256, P-384 and P-521.", e);
        }
        ECParameters p = ec.ExportParameters(true);
        EcdsaCurve curve = ec.KeySize switch
        {
            256 => EcdsaCurve.P256,
            384 => EcdsaCurve.P384,
            521 => EcdsaCurve.P521,
            _ => throw new FormatException($"The PEM key is on a {ec.KeySize}-bit curve; SSH uses NIST P-256, P-384 and P-521."),
        };
        byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
        try
        {
            return new EcdsaPrivateKey(curve, point, p.D);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
        }
    }

    /// <summary>The key as PEM text: <see cref="PrivateKeyFormat.Pem"/> is PKCS#1 for RSA and SEC1 for ECDSA (with a
    /// passphrase, OpenSSL's traditional AES-128-CBC encryption, as ssh-keygen -m PEM writes it);
    /// <see cref="PrivateKeyFormat.Pkcs8"/> is PKCS#8 (with a passphrase, PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC).</summary>
    /// <exception cref="NotSupportedException">An Ed25519 key in PKCS#1/SEC1 form, which does not exist.</exception>
    public static string Format(SshPrivateKey key, PrivateKeyFormat format, string? passphrase)
    {
        byte[] der;
        string label;
        if (format == PrivateKeyFormat.Pkcs8)
        {
            der = key switch
            {
                RsaPrivateKey rsa => rsa.ExportPkcs8(),
                EcdsaPrivateKey ec => ec.ExportPkcs8(),
                Ed25519PrivateKey ed => Pkcs8.WriteEd25519(ed.Seed),
                _ => throw new NotSupportedException($"A {key.PublicKey.KeyType} key cannot be written as PKCS#8."),
            };
            label = Plain;
            if (passphrase is not null)
            {
                byte[] encrypted = Pkcs8.Encrypt(der, passphrase);
                CryptographicOperations.ZeroMemory(der);
                der = encrypted;
                label = Encrypted;
            }
            return Encode(label, [], der);
        }
        (der, label) = key switch
        {
            RsaPrivateKey rsa => (rsa.ExportPkcs1(), Rsa),
            EcdsaPrivateKey ec => (ec.ExportSec1(), Ec),
            _ => throw new NotSupportedException($"There is no PEM (PKCS#1/SEC1) form for a {key.PublicKey.KeyType} key; write it in the OpenSSH format or as PKCS#8."),
        };
        if (passphrase is null) return Encode(label, [], der);
        byte[] iv = RandomNumberGenerator.GetBytes(16);
        byte[] cipherText = Traditional("AES-128-CBC", iv, passphrase, der, encrypt: true);
        CryptographicOperations.ZeroMemory(der);
        return Encode(label, [("Proc-Type", "4,ENCRYPTED"), ("DEK-Info", "AES-128-CBC," + Convert.ToHexString(iv))], cipherText);
    }

    /// <summary>Base64 wrapped at 64 columns between BEGIN and END lines, as OpenSSL writes PEM.</summary>
    private static string Encode(string label, (string Name, string Value)[] headers, byte[] der)
    {
        var text = new StringBuilder().Append("-----BEGIN ").Append(label).Append("-----\n");
        foreach (var (name, value) in headers) text.Append(name).Append(": ").Append(value).Append('\n');
        if (headers.Length > 0) text.Append('\n');
        string base64 = Convert.ToBase64String(der);
        for (int i = 0; i < base64.Length; i += 64) text.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        return text.Append("-----END ").Append(label).Append("-----\n").ToString();
    }

    /// <summary>The first PEM block: its label, its RFC 1421 headers and its decoded body.</summary>
    private static (string Label, Dictionary<string, string> Headers, byte[] Der) Decode(string text)
    {
        string[] lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        int begin = Array.FindIndex(lines, l => l.StartsWith("-----BEGIN ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("-----", StringComparison.Ordinal));
        if (begin < 0) throw new FormatException("No PEM '-----BEGIN ...-----' line found.");
        string label = lines[begin].Trim()["-----BEGIN ".Length..^5];
        string end = $"-----END {label}-----";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var body = new StringBuilder();
        bool inHeaders = true;
        for (int i = begin + 1; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line == end)
            {
                try
                {
                    return (label, headers, Convert.FromBase64String(body.ToString()));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"The PEM key's base64 body is invalid; the file is corrupt.", e);
                }
            }
            int colon = line.IndexOf(':');
            if (inHeaders && colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                continue;
            }
            inHeaders = false;
            body.Append(line);
        }
        throw new FormatException($"No '{end}' line found; the key file is truncated.");
    }

    private static byte[] DecryptTraditional(byte[] data, string dekInfo, string passphrase)
    {
        int comma = dekInfo.IndexOf(',');
        if (comma < 0) throw new FormatException($"The PEM key's DEK-Info '{dekInfo}' is not 'CIPHER,IV'.");
        string cipher = dekInfo[..comma].Trim().ToUpperInvariant();
        byte[] iv;
        try
        {
            iv = Convert.FromHexString(dekInfo[(comma + 1)..].Trim());
        }
        catch (FormatException e)
        {
            throw new FormatException("The PEM key's DEK-Info IV is not hexadecimal.", e);
        }
        return Traditional(cipher, iv, passphrase, data, encrypt: false);
    }

    /// <summary>OpenSSL's traditional PEM encryption: the key is EVP_BytesToKey(MD5, passphrase, salt = the IV's first
    /// 8 bytes, one round), the data CBC with PKCS#7 padding. Weak by today's measure (one MD5), which is why we only
    /// write it when asked for PEM with a passphrase, as ssh-keygen -m PEM does.</summary>
    private static byte[] Traditional(string cipher, byte[] iv, string passphrase, byte[] data, bool encrypt)
    {
        (int keyLength, int blockSize) = cipher switch
        {
            "AES-128-CBC" => (16, 16),
            "AES-192-CBC" => (24, 16),
            "AES-256-CBC" => (32, 16),
            "DES-EDE3-CBC" => (24, 8),
            _ => throw new FormatException($"The PEM key is encrypted with '{cipher}', which is not supported (AES-128/192/256-CBC and DES-EDE3-CBC are)."),
        };
        if (iv.Length != blockSize) throw new FormatException($"The PEM key's IV is {iv.Length} bytes; {cipher} needs {blockSize}.");
        if (!encrypt && (data.Length == 0 || data.Length % blockSize != 0)) throw new FormatException("The PEM key's encrypted body is not whole blocks; the file is corrupt.");
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] key = BytesToKey(password, iv.AsSpan(0, 8), keyLength);
        CryptographicOperations.ZeroMemory(password);
        try
        {
            using SymmetricAlgorithm algorithm = blockSize == 8 ? TripleDES.Create() : Aes.Create();
            algorithm.Key = key;
            return encrypt ? algorithm.EncryptCbc(data, iv, PaddingMode.PKCS7) : algorithm.DecryptCbc(data, iv, PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            throw new KeyPassphraseException("The passphrase does not decrypt the PEM key; check it and try again.", passphraseGiven: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    // D_1 = MD5(password ‖ salt), D_i = MD5(D_{i-1} ‖ password ‖ salt); the key is D_1 ‖ D_2 ‖ ... cut to length.
    private static byte[] BytesToKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int length)
    {
        byte[] key = new byte[length];
        byte[] block = [];
        for (int filled = 0; filled < length;)
        {
            byte[] input = [.. block, .. password, .. salt];
            block = MD5.HashData(input);
            CryptographicOperations.ZeroMemory(input);
            int take = Math.Min(block.Length, length - filled);
            block.AsSpan(0, take).CopyTo(key.AsSpan(filled));
            filled += take;
        }
        CryptographicOperations.ZeroMemory(block);
        return key;
    }
}
