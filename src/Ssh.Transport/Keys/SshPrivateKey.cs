namespace Ssh.Transport.Keys;

/// <summary>A private key that can sign for SSH (host keys, publickey authentication).</summary>
public abstract class SshPrivateKey : IDisposable
{
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The comment stored with the key (OpenSSH key files carry one).</summary>
    public string Comment { get; set; } = "";

    /// <summary>Signs <paramref name="data"/> and returns the signature blob <c>string algorithm ‖ string signature</c>.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null);

    /// <summary>Signs asynchronously: a key held elsewhere (an ssh-agent) does I/O to sign. Local keys sign at once.</summary>
    public virtual ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
        CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Sign(data.Span, signatureAlgorithm));

    /// <summary>Loads a private key file (paramiko's <c>from_private_key_file</c>). Malformed files raise a
    /// <see cref="FormatException"/>; an encrypted key without the right passphrase a <see cref="KeyPassphraseException"/>.</summary>
    public static SshPrivateKey FromFile(string path, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Load(path, passphrase);

    /// <summary>Parses the text of a private key file.</summary>
    public static SshPrivateKey FromString(string text, string? passphrase = null) =>
        OpenSshPrivateKeyFile.Parse(text, passphrase);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
