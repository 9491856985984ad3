namespace Ssh.Transport;

/// <summary>Named sets of algorithms for <see cref="TransportSettings.Profile"/>, from strict to permissive. Each
/// algorithm belongs to the first profile that offers it; a profile offers its own and every stricter one's.</summary>
public enum AlgorithmProfile
{
    /// <summary>The default: OpenSSH 10's defaults, post-quantum key exchange first; nothing that relies on SHA-1
    /// or CBC.</summary>
    Modern,

    /// <summary>Adds what older servers still need and is not known to be broken in SSH: the SHA-1 key exchanges of
    /// 2048 bits and more, <c>hmac-sha1</c>, <c>ssh-rsa</c> signatures and AES-CBC.</summary>
    Compatible,

    /// <summary>Everything we implement, including the 1024-bit <c>diffie-hellman-group1-sha1</c> and
    /// <c>3des-cbc</c>, for network devices that know nothing newer.</summary>
    Legacy,
}
