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

    /// <summary>OpenSSH's fingerprint: <c>SHA256:</c> and unpadded base64 of the blob's SHA-256.</summary>
    public string GetFingerprint()
    {
        byte[] hash = SHA256.HashData(GetBlob());
        return "SHA256:" + Convert.ToBase64String(hash).TrimEnd('=');
    }

    /// <summary>The legacy MD5 fingerprint: <c>MD5:</c> and colon-separated lower-case hex.</summary>
    public string GetMd5Fingerprint()
    {
        byte[] hash = MD5.HashData(GetBlob());
        return "MD5:" + string.Join(':', hash.Select(b => b.ToString("x2")));
    }

    /// <summary>The key as one line of an OpenSSH .pub or authorized_keys file: <c>type base64-blob [comment]</c>,
    /// without a line break; no comment when <paramref name="comment"/> is null or empty.</summary>
    public string ToOpenSshString(string? comment = null) =>
        KeyType + " " + Convert.ToBase64String(GetBlob()) + (string.IsNullOrEmpty(comment) ? "" : " " + comment);

    /// <summary>Parses a public key blob (RFC 4253 §6.6) of a type this library implements.</summary>
    /// <exception cref="FormatException">The blob is malformed, or its numbers or point do not form a key.</exception>
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
