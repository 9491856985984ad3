using System.Security.Cryptography;
using System.Text;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>The OpenSSH private key format, <c>openssh-key-v1</c> (OpenSSH PROTOCOL.key):
/// <code>
/// "openssh-key-v1\0" ‖ string ciphername ‖ string kdfname ‖ string kdfoptions ‖ uint32 N
/// ‖ string publickey[N] ‖ string encrypted(uint32 checkint ‖ uint32 checkint ‖ (privatekey ‖ string comment)[N] ‖ padding 1,2,3…)
/// </code>
/// base64 between <c>-----BEGIN OPENSSH PRIVATE KEY-----</c> lines. Malformed input raises a
/// <see cref="FormatException"/>; a missing or wrong passphrase a <see cref="KeyPassphraseException"/>.</summary>
public static class OpenSshPrivateKeyFile
{
    internal const string BeginMarker = "-----BEGIN OPENSSH PRIVATE KEY-----";
    internal const string EndMarker = "-----END OPENSSH PRIVATE KEY-----";

    private static readonly byte[] AuthMagic = "openssh-key-v1\0"u8.ToArray();
    private const int DefaultKdfRounds = 16; // ssh-keygen's default (-a)
    private const int MaxKdfRounds = 100_000; // refuse files that would spin for hours

    /// <summary>Reads a private key file; see <see cref="Parse"/>. Errors name the file.</summary>
    public static SshPrivateKey Load(string path, string? passphrase = null)
    {
        string text = File.ReadAllText(path);
        try
        {
            return Parse(text, passphrase);
        }
        catch (KeyPassphraseException e)
        {
            throw new KeyPassphraseException($"{path}: {e.Message}", e.PassphraseGiven);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a private key file: this format, or PEM (PKCS#1, SEC1, PKCS#8, encrypted or not).</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="passphrase">The passphrase of an encrypted key; ignored for a key in the clear.</param>
    /// <exception cref="FormatException">The text is not a key file this library reads, or it is corrupt.</exception>
    /// <exception cref="KeyPassphraseException">The key is encrypted and <paramref name="passphrase"/> is null or wrong.</exception>
    public static SshPrivateKey Parse(string text, string? passphrase = null) =>
        PemPrivateKey.IsPem(text) ? PemPrivateKey.Parse(text, passphrase) : ParseBlob(DecodeArmor(text), passphrase);

    /// <summary>True when the text is an openssh-key-v1 file whose private section is encrypted, so
    /// <see cref="Parse"/> needs a passphrase.</summary>
    /// <exception cref="FormatException">The text is not an openssh-key-v1 file.</exception>
    public static bool IsEncrypted(string text)
    {
        var reader = new SshReader(DecodeArmor(text));
        try
        {
            reader.ReadBytes(AuthMagic.Length);
            return reader.ReadString() != "none";
        }
        catch (SshProtocolException e)
        {
            throw Malformed(e);
        }
    }

    /// <summary>Parses the binary key (the base64-decoded body of the file).</summary>
    internal static SshPrivateKey ParseBlob(ReadOnlySpan<byte> blob, string? passphrase = null)
    {
        try
        {
            return ParseBlobCore(blob, passphrase);
        }
        catch (SshProtocolException e)
        {
            throw Malformed(e);
        }
    }

    /// <summary>The key as an openssh-key-v1 file. Without a passphrase the private section is in the clear
    /// (cipher "none"); with one it is encrypted with aes256-ctr under a bcrypt_pbkdf key, as ssh-keygen does.</summary>
    public static string Format(SshPrivateKey key, string? passphrase = null, int kdfRounds = DefaultKdfRounds)
    {
        if (kdfRounds < 1 || kdfRounds > MaxKdfRounds)
            throw new ArgumentOutOfRangeException(nameof(kdfRounds));
        KeyFileCipher cipher = passphrase is null ? KeyFileCipher.None : KeyFileCipher.Aes256Ctr;

        var priv = new SshBuffer(256);
        uint check = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
        priv.WriteUInt32(check).WriteUInt32(check);
        WritePrivateKey(priv, key);
        priv.WriteString(key.Comment);
        for (byte pad = 1; priv.Length % cipher.BlockSize != 0; pad++) priv.WriteByte(pad);
        byte[] section = priv.ToArray();
        priv.Clear(zero: true);

        var file = new SshBuffer(512);
        file.WriteBytes(AuthMagic).WriteString(cipher.Name);
        byte[] tag = Array.Empty<byte>();
        if (passphrase is null)
        {
            file.WriteString("none").WriteString(ReadOnlySpan<byte>.Empty);
        }
        else
        {
            byte[] salt = RandomNumberGenerator.GetBytes(16);
            byte[] keyAndIv = DeriveKey(passphrase, salt, kdfRounds, cipher);
            tag = new byte[cipher.TagLength];
            cipher.Encrypt(keyAndIv, section, tag);
            CryptographicOperations.ZeroMemory(keyAndIv);
            file.WriteString("bcrypt").WriteString(new SshBuffer(32).WriteString(salt).WriteUInt32((uint)kdfRounds).Span);
        }
        file.WriteUInt32(1).WriteString(key.PublicKey.GetBlob()).WriteString(section).WriteBytes(tag);
        CryptographicOperations.ZeroMemory(section);

        // ssh-keygen wraps the base64 at 70 columns.
        string base64 = Convert.ToBase64String(file.Span);
        file.Clear(zero: true);
        var text = new StringBuilder(base64.Length + 128).Append(BeginMarker).Append('\n');
        for (int i = 0; i < base64.Length; i += 70)
            text.Append(base64, i, Math.Min(70, base64.Length - i)).Append('\n');
        return text.Append(EndMarker).Append('\n').ToString();
    }

    private static SshPrivateKey ParseBlobCore(ReadOnlySpan<byte> blob, string? passphrase)
    {
        if (blob.Length < AuthMagic.Length || !blob[..AuthMagic.Length].SequenceEqual(AuthMagic))
            throw new FormatException("The key data does not start with the openssh-key-v1 magic; the file is not an OpenSSH private key or is corrupt.");
        var reader = new SshReader(blob[AuthMagic.Length..]);
        string cipherName = reader.ReadString();
        string kdfName = reader.ReadString();
        ReadOnlySpan<byte> kdfOptions = reader.ReadStringBytes();
        uint count = reader.ReadUInt32();
        if (count != 1)
            throw new FormatException($"The key file holds {count} keys; only files with exactly one key are supported.");
        ReadOnlySpan<byte> publicBlob = reader.ReadStringBytes();
        ReadOnlySpan<byte> encrypted = reader.ReadStringBytes();

        KeyFileCipher cipher = KeyFileCipher.Find(cipherName)
            ?? throw new FormatException($"The private key is encrypted with '{cipherName}', which is not supported (supported: {KeyFileCipher.SupportedNames}).");
        ReadOnlySpan<byte> tag = reader.ReadBytes(cipher.TagLength);
        reader.EnsureEnd("The OpenSSH private key");
        if (encrypted.Length % cipher.BlockSize != 0)
            throw new FormatException($"The private section is {encrypted.Length} bytes, not a multiple of the {cipherName} block size {cipher.BlockSize}.");

        byte[] section = encrypted.ToArray();
        try
        {
            if (cipher.IsNone)
            {
                if (kdfName != "none" || !kdfOptions.IsEmpty)
                    throw new FormatException($"An unencrypted key names key derivation '{kdfName}'; the file is corrupt.");
            }
            else
            {
                if (kdfName != "bcrypt")
                    throw new FormatException($"The private key uses key derivation '{kdfName}'; only 'bcrypt' is supported.");
                if (passphrase is null)
                    throw new KeyPassphraseException("The private key is encrypted with a passphrase; supply the passphrase to load it.", passphraseGiven: false);
                var options = new SshReader(kdfOptions);
                ReadOnlySpan<byte> salt = options.ReadStringBytes();
                uint rounds = options.ReadUInt32();
                options.EnsureEnd("The bcrypt KDF options");
                if (rounds < 1 || rounds > MaxKdfRounds)
                    throw new FormatException($"The key's bcrypt KDF asks for {rounds} rounds; 1..{MaxKdfRounds} are accepted.");
                byte[] keyAndIv = DeriveKey(passphrase, salt, (int)rounds, cipher);
                bool ok = cipher.TryDecrypt(keyAndIv, section, tag);
                CryptographicOperations.ZeroMemory(keyAndIv);
                if (!ok) throw WrongPassphrase();
            }
            SshPrivateKey key = ReadPrivateSection(section, cipher);
            if (!key.PublicKey.GetBlob().AsSpan().SequenceEqual(publicBlob))
            {
                key.Dispose();
                throw new FormatException("The public key in the file header does not match the private key; the file is corrupt.");
            }
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(section);
        }
    }

    private static SshPrivateKey ReadPrivateSection(ReadOnlySpan<byte> section, KeyFileCipher cipher)
    {
        var reader = new SshReader(section);
        uint check1 = reader.ReadUInt32();
        uint check2 = reader.ReadUInt32();
        if (check1 != check2)
        {
            if (!cipher.IsNone) throw WrongPassphrase();
            throw new FormatException("The private key's check values differ; the file is corrupt.");
        }

        string type = reader.ReadString();
        SshPrivateKey key = type switch
        {
            Ed25519PublicKey.TypeName => ReadEd25519(ref reader),
            RsaPublicKey.TypeName => ReadRsa(ref reader),
            "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" => ReadEcdsa(type, ref reader),
            _ => throw new FormatException($"Private key type '{type}' is not supported yet."),
        };
        try
        {
            key.Comment = reader.ReadString();
            ReadOnlySpan<byte> padding = reader.RemainingSpan;
            if (padding.Length >= cipher.BlockSize)
                throw new FormatException("The private section has data after the key; files with more than one key are not supported.");
            for (int i = 0; i < padding.Length; i++)
            {
                if (padding[i] != (byte)(i + 1))
                    throw new FormatException("The private section's padding is not 1, 2, 3, …; the file is corrupt.");
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    // PROTOCOL.key / sshkey.c: string pub(32) ‖ string priv(64) where priv = seed ‖ pub.
    private static Ed25519PrivateKey ReadEd25519(ref SshReader reader)
    {
        ReadOnlySpan<byte> pub = reader.ReadStringBytes();
        ReadOnlySpan<byte> priv = reader.ReadStringBytes();
        if (pub.Length != Ed25519PublicKey.KeySize || priv.Length != 64)
            throw new FormatException($"The ssh-ed25519 private key has fields of {pub.Length} and {priv.Length} bytes instead of 32 and 64.");
        if (!priv[32..].SequenceEqual(pub))
            throw new FormatException("The ssh-ed25519 private key's two copies of the public key differ; the file is corrupt.");
        var key = new Ed25519PrivateKey(priv[..32]);
        if (!((Ed25519PublicKey)key.PublicKey).Key.SequenceEqual(pub))
        {
            key.Dispose();
            throw new FormatException("The ssh-ed25519 public key does not belong to the private key; the file is corrupt.");
        }
        return key;
    }

    // PROTOCOL.key / sshkey.c: mpint n ‖ mpint e ‖ mpint d ‖ mpint iqmp ‖ mpint p ‖ mpint q
    private static RsaPrivateKey ReadRsa(ref SshReader reader)
    {
        ReadOnlySpan<byte> n = reader.ReadMpintUnsigned();
        ReadOnlySpan<byte> e = reader.ReadMpintUnsigned();
        ReadOnlySpan<byte> d = reader.ReadMpintUnsigned();
        ReadOnlySpan<byte> iqmp = reader.ReadMpintUnsigned();
        ReadOnlySpan<byte> p = reader.ReadMpintUnsigned();
        ReadOnlySpan<byte> q = reader.ReadMpintUnsigned();
        return RsaPrivateKey.FromComponents(n, e, d, iqmp, p, q);
    }

    // PROTOCOL.key / sshkey.c: string curve identifier ‖ string Q ‖ mpint d
    private static EcdsaPrivateKey ReadEcdsa(string type, ref SshReader reader)
    {
        EcdsaCurve curve = EcdsaCurve.ForKeyType(type)!;
        string identifier = reader.ReadString();
        if (identifier != curve.Identifier)
            throw new FormatException($"The {type} private key names curve '{identifier}'.");
        ReadOnlySpan<byte> point = reader.ReadStringBytes();
        ReadOnlySpan<byte> scalar = reader.ReadMpintUnsigned();
        return new EcdsaPrivateKey(curve, point, scalar);
    }

    /// <summary>PROTOCOL.key's private key entry, also ssh-agent's ADD_IDENTITY key (PROTOCOL.agent):
    /// <c>string type ‖ fields</c>. A certified key writes <c>string cert-type ‖ string certificate</c> and then only
    /// the private fields (OpenSSH's sshkey_private_serialize).</summary>
    internal static void WritePrivateKey(SshBuffer buffer, SshPrivateKey key)
    {
        SshCertificate? certificate = key.PublicKey as SshCertificate;
        if (certificate is not null)
        {
            buffer.WriteString(certificate.KeyType).WriteString(certificate.GetBlob());
            key = ((CertifiedPrivateKey)key).Inner;
        }
        switch (key)
        {
            case RsaPrivateKey rsa:
            {
                RSAParameters p = rsa.Export();
                if (certificate is null) buffer.WriteString(RsaPublicKey.TypeName).WriteMpint(p.Modulus).WriteMpint(p.Exponent);
                buffer.WriteMpint(p.D).WriteMpint(p.InverseQ).WriteMpint(p.P).WriteMpint(p.Q);
                foreach (byte[]? secret in new[] { p.D, p.P, p.Q, p.DP, p.DQ, p.InverseQ }) CryptographicOperations.ZeroMemory(secret);
                break;
            }
            case EcdsaPrivateKey ec:
            {
                var reader = new SshReader(ec.PublicKey.GetBlob());
                reader.ReadStringBytes();
                reader.ReadStringBytes();
                byte[] scalar = ec.ExportScalar();
                if (certificate is null) buffer.WriteString(ec.Curve.KeyType).WriteString(ec.Curve.Identifier).WriteString(reader.ReadStringBytes());
                buffer.WriteMpint(scalar);
                CryptographicOperations.ZeroMemory(scalar);
                break;
            }
            case Ed25519PrivateKey ed:
            {
                ReadOnlySpan<byte> pub = ((Ed25519PublicKey)ed.PublicKey).Key;
                Span<byte> priv = stackalloc byte[64];
                ed.Seed.CopyTo(priv);
                pub.CopyTo(priv[32..]);
                if (certificate is null) buffer.WriteString(Ed25519PublicKey.TypeName);
                buffer.WriteString(pub).WriteString(priv);
                CryptographicOperations.ZeroMemory(priv);
                break;
            }
            default:
                throw new NotSupportedException($"A {key.PublicKey.KeyType} key's private part cannot be written (a key held by an agent stays there).");
        }
    }

    private static byte[] DeriveKey(string passphrase, ReadOnlySpan<byte> salt, int rounds, KeyFileCipher cipher)
    {
        byte[] password = Encoding.UTF8.GetBytes(passphrase);
        byte[] keyAndIv = new byte[cipher.KeyLength + cipher.IvLength];
        BcryptPbkdf.DeriveKey(password, salt, rounds, keyAndIv);
        CryptographicOperations.ZeroMemory(password);
        return keyAndIv;
    }

    /// <summary>The base64 body between the BEGIN and END lines.</summary>
    internal static byte[] DecodeArmor(string text)
    {
        int begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
        if (begin < 0)
        {
            if (text.Contains("-----BEGIN ", StringComparison.Ordinal) && text.Contains(" PRIVATE KEY-----", StringComparison.Ordinal))
                throw new FormatException("The key is a PEM private key of a kind this library does not read (DSA?); convert it with 'ssh-keygen -p -f <file>' to the OpenSSH format.");
            if (text.Contains("-----BEGIN SSH2 PUBLIC KEY-----", StringComparison.Ordinal) || text.TrimStart().StartsWith("ssh-", StringComparison.Ordinal)
                || text.TrimStart().StartsWith("ecdsa-", StringComparison.Ordinal))
                throw new FormatException("This is a public key, not a private key.");
            throw new FormatException($"No '{BeginMarker}' line found; the file is not a private key.");
        }
        begin += BeginMarker.Length;
        int end = text.IndexOf(EndMarker, begin, StringComparison.Ordinal);
        if (end < 0)
            throw new FormatException($"No '{EndMarker}' line found; the key file is truncated.");

        ReadOnlySpan<char> body = text.AsSpan(begin, end - begin);
        var base64 = new StringBuilder(body.Length);
        foreach (char c in body)
        {
            if (!char.IsWhiteSpace(c)) base64.Append(c);
        }
        try
        {
            return Convert.FromBase64String(base64.ToString());
        }
        catch (FormatException e)
        {
            throw new FormatException("The key file's base64 body is invalid; the file is corrupt.", e);
        }
    }

    private static KeyPassphraseException WrongPassphrase() =>
        new("The passphrase does not decrypt the private key; check it and try again.", passphraseGiven: true);

    private static FormatException Malformed(SshProtocolException e) =>
        new("The OpenSSH private key is truncated or malformed; the file is corrupt.", e);
}
