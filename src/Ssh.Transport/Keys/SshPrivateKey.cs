namespace Ssh.Transport.Keys;

/// <summary>A private key that can sign for SSH (host keys, publickey authentication).</summary>
public abstract class SshPrivateKey : IDisposable
{
    public abstract SshPublicKey PublicKey { get; }

    /// <summary>The comment stored with the key (OpenSSH key files carry one).</summary>
    public string Comment { get; set; } = "";

    /// <summary>Signs <paramref name="data"/> and returns the signature blob <c>string algorithm ‖ string signature</c>.</summary>
    public abstract byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
