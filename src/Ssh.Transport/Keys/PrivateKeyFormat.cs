namespace Ssh.Transport.Keys;

/// <summary>The file formats a private key is written in (<c>ssh-keygen -m</c>).</summary>
public enum PrivateKeyFormat
{
    /// <summary>OpenSSH's own <c>openssh-key-v1</c> (PROTOCOL.key), ssh-keygen's default: every key type, the
    /// comment kept, a passphrase through bcrypt_pbkdf and aes256-ctr.</summary>
    OpenSsh,

    /// <summary>PEM: PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>) for RSA, SEC1 (<c>BEGIN EC PRIVATE KEY</c>) for ECDSA
    /// (<c>ssh-keygen -m PEM</c>); a passphrase uses OpenSSL's traditional AES-128-CBC encryption. No Ed25519.</summary>
    Pem,

    /// <summary>PKCS#8 (<c>BEGIN PRIVATE KEY</c>; <c>ssh-keygen -m PKCS8</c>): RSA, ECDSA and Ed25519 (RFC 8410); a
    /// passphrase makes <c>BEGIN ENCRYPTED PRIVATE KEY</c> with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC).</summary>
    Pkcs8,
}
