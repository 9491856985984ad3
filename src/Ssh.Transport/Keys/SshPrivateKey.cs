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

    /// <summary>Wipes or releases the private key material; the key cannot sign afterwards.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Wipes or releases the key material; <paramref name="disposing"/> is false from a finalizer.</summary>
    protected virtual void Dispose(bool disposing) { }
}
