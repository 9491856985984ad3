namespace Ssh.Transport.Keys;

/// <summary>A private key presented with its certificate: the public key is the certificate, and signatures are
/// the key's own under the plain algorithm (<c>rsa-sha2-512-cert-v01@openssh.com</c> signs as <c>rsa-sha2-512</c>,
/// PROTOCOL.certkeys). The wrapped key owns the private material.</summary>
internal sealed class CertifiedPrivateKey(SshPrivateKey key, SshCertificate certificate) : SshPrivateKey
{
    public override SshPublicKey PublicKey => certificate;

    /// <summary>The key that signs.</summary>
    public SshPrivateKey Inner => key;

    public override bool SignsLocally => key.SignsLocally;

    public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null) =>
        key.Sign(data, signatureAlgorithm is null ? null : SshCertificate.PlainAlgorithm(signatureAlgorithm));

    public override ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
        CancellationToken cancellationToken = default) =>
        key.SignAsync(data, signatureAlgorithm is null ? null : SshCertificate.PlainAlgorithm(signatureAlgorithm), cancellationToken);
}
