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

    /// <summary>Signs asynchronously: a key held elsewhere (an ssh-agent) does I/O to sign. Local keys sign at once.</summary>
    public virtual ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Sign(data.Span, signatureAlgorithm));

    /// <summary>Loads a private key file (paramiko's <c>from_private_key_file</c>). Malformed files raise a
    /// <see cref="FormatException"/>; an encrypted key without the right passphrase a <see cref="KeyPassphraseException"/>.</summary>
    public static SshPrivateKey FromFile(string path, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Load(path, passphrase);

    /// <summary>Parses the text of a private key file (paramiko's <c>from_private_key</c>): OpenSSH format, or PEM
    /// (PKCS#1, SEC1, PKCS#8).</summary>
    /// <exception cref="FormatException">The text is not a key file this library reads, or it is corrupt.</exception>
    /// <exception cref="KeyPassphraseException">The key is encrypted and <paramref name="passphrase"/> is missing or wrong.</exception>
    public static SshPrivateKey FromString(string text, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Parse(text, passphrase);

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
