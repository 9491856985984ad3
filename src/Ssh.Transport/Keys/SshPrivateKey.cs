using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>A private key that can sign for SSH (host keys, publickey authentication).</summary>
public abstract class SshPrivateKey : IDisposable
{
    /// <summary>The public half of this key.</summary>
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The comment stored with the key (OpenSSH key files carry one).</summary>
    public string Comment { get; set; } = "";

    /// <summary>Signs <paramref name="data"/> and returns the signature blob <c>string algorithm ‖ string signature</c>
    /// (RFC 4253 §6.6).</summary>
    /// <param name="data">The bytes to sign.</param>
    /// <param name="signatureAlgorithm">The signature algorithm, one of the public key's
    /// <see cref="SshPublicKey.SignatureAlgorithms"/>; null for the key's default.</param>
    /// <exception cref="NotSupportedException">The key cannot sign with <paramref name="signatureAlgorithm"/>.</exception>
    public abstract byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null);

    /// <summary>True when <see cref="SignAsync"/> computes the signature in this process (a key read from a file or
    /// generated); false for a key held elsewhere, such as an ssh-agent's, which may ask its user to confirm each
    /// signature. Publickey authentication signs a local key's request straight away (RFC 4252 §7 lets the client
    /// skip asking whether the key is acceptable, as paramiko does), and asks first for any other key.</summary>
    public virtual bool SignsLocally => true;

    /// <summary>Signs asynchronously: a key held elsewhere (an ssh-agent) does I/O to sign. Local keys sign at once.</summary>
    public virtual ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Sign(data.Span, signatureAlgorithm));

    /// <summary>Loads a private key file (paramiko's <c>from_private_key_file</c>): OpenSSH format, or PEM (PKCS#1,
    /// SEC1, PKCS#8, encrypted or not). Errors name the file and say what is wrong.</summary>
    /// <exception cref="FormatException">The file is not a key file this library reads, is corrupt, or holds a key
    /// type it does not support.</exception>
    /// <exception cref="KeyPassphraseException">The key is encrypted and <paramref name="passphrase"/> is missing or wrong.</exception>
    /// <exception cref="IOException">The file cannot be read (<see cref="FileNotFoundException"/> when absent).</exception>
    public static SshPrivateKey FromFile(string path, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Load(path, passphrase);

    /// <summary>Parses the text of a private key file (paramiko's <c>from_private_key</c>): OpenSSH format, or PEM
    /// (PKCS#1, SEC1, PKCS#8).</summary>
    /// <exception cref="FormatException">The text is not a key file this library reads, or it is corrupt.</exception>
    /// <exception cref="KeyPassphraseException">The key is encrypted and <paramref name="passphrase"/> is missing or wrong.</exception>
    public static SshPrivateKey FromString(string text, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Parse(text, passphrase);

    /// <summary>A new random key, as <c>ssh-keygen -t TYPE -b BITS</c>: <c>ed25519</c> (the default), <c>ecdsa</c>
    /// (256, 384 or 521 bits; 256 by default) or <c>rsa</c> (2048 to 16384 bits; 3072 by default). The SSH names
    /// (<c>ssh-ed25519</c>, <c>ecdsa-sha2-nistp384</c>, <c>ssh-rsa</c>) are understood too.</summary>
    /// <param name="keyType">The key type.</param>
    /// <param name="bits">The size; 0 for the type's default (ignored for ed25519, whose size is fixed).</param>
    /// <exception cref="ArgumentException">An unknown type, or a size the type does not have.</exception>
    public static SshPrivateKey Generate(string keyType = "ed25519", int bits = 0)
    {
        ArgumentNullException.ThrowIfNull(keyType);
        switch (keyType.ToLowerInvariant())
        {
            case "ed25519" or Ed25519PublicKey.TypeName:
                if (bits is not (0 or 256)) throw new ArgumentException("Ed25519 keys are 256 bits.", nameof(bits));
                return Ed25519PrivateKey.Generate();
            case "ecdsa":
                return EcdsaPrivateKey.Generate(bits == 0 ? 256 : bits);
            case "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521":
                int curveBits = int.Parse(keyType.AsSpan(keyType.Length - 3), System.Globalization.CultureInfo.InvariantCulture);
                if (bits != 0 && bits != curveBits) throw new ArgumentException($"{keyType} keys are {curveBits} bits.", nameof(bits));
                return EcdsaPrivateKey.Generate(curveBits);
            case "rsa" or RsaPublicKey.TypeName:
                return RsaPrivateKey.Generate(bits == 0 ? 3072 : bits);
            default:
                throw new ArgumentException($"Unknown key type '{keyType}'; use ed25519, ecdsa or rsa.", nameof(keyType));
        }
    }

    /// <summary>The key as the text of a private key file in <paramref name="format"/>, encrypted when
    /// <paramref name="passphrase"/> is given (see <see cref="PrivateKeyFormat"/> for each format's scheme).</summary>
    /// <param name="format">The file format.</param>
    /// <param name="passphrase">The passphrase; null writes the key in the clear.</param>
    /// <param name="kdfRounds">The OpenSSH format's bcrypt_pbkdf rounds (ssh-keygen's <c>-a</c>, 16 by default).</param>
    /// <exception cref="NotSupportedException">The key cannot be written in that format (Ed25519 as PEM, a key held
    /// by an agent).</exception>
    public string Export(PrivateKeyFormat format = PrivateKeyFormat.OpenSsh, string? passphrase = null, int kdfRounds = 16)
    {
        if (passphrase is { Length: 0 }) passphrase = null;
        if (this is CertifiedPrivateKey certified) return certified.Inner.Export(format, passphrase, kdfRounds);
        return format switch
        {
            PrivateKeyFormat.OpenSsh => OpenSshPrivateKeyFile.Format(this, passphrase, kdfRounds),
            PrivateKeyFormat.Pem or PrivateKeyFormat.Pkcs8 => PemPrivateKey.Format(this, format, passphrase),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    /// <summary>The private key in the wire form of OpenSSH's key files and of ssh-agent's ADD_IDENTITY (PROTOCOL.key,
    /// PROTOCOL.agent): <c>string type ‖ key fields</c>, for a certified key <c>string cert-type ‖ string certificate
    /// ‖ private fields</c>; no comment. It holds the private key: zero it once sent.</summary>
    /// <exception cref="NotSupportedException">A key whose private part is not here (an agent's).</exception>
    public byte[] GetPrivateKeyBlob()
    {
        var buffer = new SshBuffer(512);
        OpenSshPrivateKeyFile.WritePrivateKey(buffer, this);
        byte[] blob = buffer.ToArray();
        buffer.Clear(zero: true);
        return blob;
    }

    /// <summary>paramiko's <c>write_private_key</c>: writes <see cref="Export"/>'s text.</summary>
    public void WritePrivateKey(TextWriter writer, string? passphrase = null, PrivateKeyFormat format = PrivateKeyFormat.OpenSsh)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Export(format, passphrase));
    }

    /// <summary>paramiko's <c>write_private_key_file</c>: writes the key to <paramref name="path"/>, readable by its
    /// owner only (mode 0600 from the start, never wider), through a temporary file and a rename so a crash never
    /// leaves half a key.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="passphrase">The passphrase; null writes the key in the clear.</param>
    /// <param name="format">The file format.</param>
    /// <param name="kdfRounds">The OpenSSH format's bcrypt_pbkdf rounds (16 by default).</param>
    public void WritePrivateKeyFile(string path, string? passphrase = null, PrivateKeyFormat format = PrivateKeyFormat.OpenSsh, int kdfRounds = 16)
    {
        string text = Export(format, passphrase, kdfRounds);
        string full = Path.GetFullPath(path);
        string temp = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
                writer.Write(text);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>This key presented with <paramref name="certificate"/> (paramiko's <c>load_certificate</c>): a key
    /// whose <see cref="PublicKey"/> is the certificate and which signs with this key, under the plain signature
    /// algorithm behind the certificate one it is asked for (PROTOCOL.certkeys). This key stays the owner of the
    /// private material: dispose it, not the returned key, when done with both.</summary>
    /// <exception cref="ArgumentException">The certificate certifies another key, or this key already carries one.</exception>
    public SshPrivateKey WithCertificate(SshCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (PublicKey is SshCertificate) throw new ArgumentException("This key already carries a certificate.", nameof(certificate));
        if (!certificate.Key.Equals(PublicKey))
            throw new ArgumentException($"The certificate is for the key {certificate.Key.GetFingerprint()}, not this one ({PublicKey.GetFingerprint()}).", nameof(certificate));
        return new CertifiedPrivateKey(this, certificate) { Comment = Comment };
    }

    /// <summary>Reads a certificate file (<c>id_ed25519-cert.pub</c>) and returns this key presented with it; see
    /// <see cref="WithCertificate"/>.</summary>
    /// <exception cref="FormatException">The file holds no certificate, or it does not parse; the message names the file.</exception>
    /// <exception cref="ArgumentException">The certificate is for another key.</exception>
    public SshPrivateKey LoadCertificate(string path)
    {
        PublicKeyFileEntry entry = PublicKeyFile.Load(path);
        if (entry.Key is not SshCertificate certificate)
            throw new FormatException($"{path}: holds a {entry.Key.KeyType} key, not a certificate.");
        return WithCertificate(certificate);
    }

    /// <summary>Wipes or releases the private key material; the key cannot sign afterwards.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Wipes or releases the key material; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected virtual void Dispose(bool disposing) { }
}
