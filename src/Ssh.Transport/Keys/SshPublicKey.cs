using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>A public key in SSH form (RFC 4253 §6.6): its type name and its wire blob.</summary>
public abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    /// <summary>The key type as it appears in the blob and in .pub files, e.g. <c>ssh-ed25519</c>.</summary>
    public abstract string KeyType { get; }

    /// <summary>The public key blob as sent on the wire (RFC 4253 §6.6): <c>string type ‖ key-specific fields</c>.
    /// A new array each call.</summary>
    public abstract byte[] GetBlob();

    /// <summary>The signature algorithm names this key can verify, preferred first: for RSA <c>rsa-sha2-512</c> and
    /// <c>rsa-sha2-256</c>, for the others just the key type.</summary>
    public virtual IReadOnlyList<string> SignatureAlgorithms => new[] { KeyType };

    /// <summary>Verifies a signature blob (<c>string algorithm ‖ string signature</c>) over <paramref name="data"/>.
    /// Returns false for a wrong algorithm name, a malformed blob or a bad signature; never throws for peer input.</summary>
    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signatureBlob);

    /// <summary>The key's size in bits as ssh-keygen shows it: 256 for Ed25519, the curve's for ECDSA, the modulus's
    /// for RSA, the certified key's for a certificate; 0 when unknown.</summary>
    public virtual int KeySizeInBits => 0;

    /// <summary>The type as <c>ssh-keygen -l</c> names it: <c>ED25519</c>, <c>ECDSA</c>, <c>RSA</c>, with <c>-CERT</c>
    /// for a certificate.</summary>
    public string DisplayType => this switch
    {
        SshCertificate c => c.Key.DisplayType + "-CERT",
        Ed25519PublicKey => "ED25519",
        EcdsaPublicKey => "ECDSA",
        RsaPublicKey => "RSA",
        _ => KeyType.ToUpperInvariant(),
    };

    /// <summary>The fingerprint with <paramref name="hashAlgorithm"/>: <c>sha256</c> (<see cref="GetFingerprint()"/>) or
    /// <c>md5</c> (<see cref="GetMd5Fingerprint"/>), as <c>ssh-keygen -E</c>.</summary>
    /// <exception cref="ArgumentException">Another hash.</exception>
    public string GetFingerprint(string hashAlgorithm) => hashAlgorithm.ToLowerInvariant() switch
    {
        "sha256" => GetFingerprint(),
        "md5" => GetMd5Fingerprint(),
        _ => throw new ArgumentException($"Fingerprint hash '{hashAlgorithm}' is not supported; use sha256 or md5.", nameof(hashAlgorithm)),
    };

    /// <summary>OpenSSH's "random art" of the fingerprint (<c>ssh-keygen -lv</c>, VisualHostKey): the path of a
    /// bishop walking the hash's bits over a 17×9 board, framed with the key type and size above and the hash below.</summary>
    public string GetRandomArt(string hashAlgorithm = "sha256")
    {
        string name = hashAlgorithm.ToLowerInvariant() switch
        {
            "sha256" => "SHA256",
            "md5" => "MD5",
            _ => throw new ArgumentException($"Fingerprint hash '{hashAlgorithm}' is not supported; use sha256 or md5.", nameof(hashAlgorithm)),
        };
        byte[] digest = name == "MD5" ? MD5.HashData(FingerprintBlob()) : SHA256.HashData(FingerprintBlob());
        return RandomArt.Draw(digest, $"[{DisplayType} {KeySizeInBits}]", $"[{name}]");
    }

    /// <summary>OpenSSH's fingerprint: <c>SHA256:</c> and unpadded base64 of the blob's SHA-256.</summary>
    public string GetFingerprint()
    {
        byte[] hash = SHA256.HashData(FingerprintBlob());
        return "SHA256:" + Convert.ToBase64String(hash).TrimEnd('=');
    }

    /// <summary>The legacy MD5 fingerprint: <c>MD5:</c> and colon-separated lower-case hex.</summary>
    public string GetMd5Fingerprint()
    {
        byte[] hash = MD5.HashData(FingerprintBlob());
        return "MD5:" + string.Join(':', hash.Select(b => b.ToString("x2")));
    }

    /// <summary>The bytes fingerprints hash: the blob, or for a certificate its certified key's blob (as OpenSSH).</summary>
    internal virtual byte[] FingerprintBlob() => GetBlob();

    /// <summary>The key as one line of an OpenSSH .pub or authorized_keys file: <c>type base64-blob [comment]</c>,
    /// without a line break; no comment when <paramref name="comment"/> is null or empty.</summary>
    public string ToOpenSshString(string? comment = null) =>
        KeyType + " " + Convert.ToBase64String(GetBlob()) + (string.IsNullOrEmpty(comment) ? "" : " " + comment);

    /// <summary>Parses a public key blob (RFC 4253 §6.6) of a type this library implements, certificates
    /// (<see cref="SshCertificate"/>, whose CA signature is checked) included.</summary>
    /// <exception cref="FormatException">The blob is malformed, its numbers or point do not form a key, or a
    /// certificate's CA signature does not verify.</exception>
    /// <exception cref="NotSupportedException">The key type is not one this library implements.</exception>
    public static SshPublicKey FromBlob(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        string type;
        try
        {
            type = reader.ReadString();
        }
        catch (SshProtocolException e)
        {
            throw new FormatException("The public key blob is truncated.", e);
        }
        return type switch
        {
            Ed25519PublicKey.TypeName => Ed25519PublicKey.ReadBody(blob),
            RsaPublicKey.TypeName => RsaPublicKey.ReadBody(blob),
            "ecdsa-sha2-nistp256" or "ecdsa-sha2-nistp384" or "ecdsa-sha2-nistp521" => EcdsaPublicKey.ReadBody(type, blob),
            _ when SshCertificate.IsCertificateAlgorithm(type) => SshCertificate.ReadBody(type, blob),
            _ => throw new NotSupportedException($"Public key type '{type}' is not supported."),
        };
    }

    /// <summary>True when <paramref name="other"/> is the same key: same type and same blob.</summary>
    public bool Equals(SshPublicKey? other) =>
        other is not null && KeyType == other.KeyType && GetBlob().AsSpan().SequenceEqual(other.GetBlob());

    /// <summary>True when <paramref name="obj"/> is an <see cref="SshPublicKey"/> with the same type and blob.</summary>
    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    /// <summary>A hash of the blob, consistent with <see cref="Equals(SshPublicKey)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(GetBlob());
        return hash.ToHashCode();
    }

    /// <summary>The algorithm name a signature blob declares, or null when the blob is malformed.</summary>
    public static string? SignatureAlgorithmOf(ReadOnlySpan<byte> signatureBlob) =>
        TryReadSignatureBlob(signatureBlob, out string algorithm, out _) ? algorithm : null;

    /// <summary>For key types' <see cref="Verify"/>: splits a signature blob <c>string algorithm ‖ string signature</c>
    /// into its two fields; false when malformed or followed by trailing bytes.</summary>
    protected static bool TryReadSignatureBlob(ReadOnlySpan<byte> blob, out string algorithm, out ReadOnlySpan<byte> signature)
    {
        algorithm = "";
        signature = default;
        try
        {
            var reader = new SshReader(blob);
            algorithm = reader.ReadString();
            signature = reader.ReadStringBytes();
            return reader.AtEnd;
        }
        catch (SshProtocolException)
        {
            return false;
        }
    }
}
