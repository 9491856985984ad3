using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Keys;

/// <summary>A public key in SSH form (RFC 4253 §6.6): its type name and its wire blob.</summary>
public abstract class SshPublicKey : IEquatable<SshPublicKey>
{
    /// <summary>The key type as it appears in the blob and in .pub files, e.g. <c>ssh-ed25519</c>.</summary>
    public abstract string KeyType { get; }

    /// <summary>The public key blob: <c>string type ‖ key-specific fields</c>.</summary>
    public abstract byte[] GetBlob();

    /// <summary>The signature algorithms this key can verify (for RSA several; for others just the key type).</summary>
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

    /// <summary>The legacy MD5 fingerprint, colon-separated hex.</summary>
    public string GetMd5Fingerprint()
    {
        byte[] hash = MD5.HashData(GetBlob());
        return "MD5:" + string.Join(':', hash.Select(b => b.ToString("x2")));
    }

    /// <summary>The key as one line of an OpenSSH .pub or authorized_keys file.</summary>
    public string ToOpenSshString(string? comment = null) =>
        KeyType + " " + Convert.ToBase64String(GetBlob()) + (string.IsNullOrEmpty(comment) ? "" : " " + comment);

    /// <summary>Parses a public key blob. Unknown types and malformed blobs raise a <see cref="FormatException"/>.</summary>
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

    public bool Equals(SshPublicKey? other) =>
        other is not null && KeyType == other.KeyType && GetBlob().AsSpan().SequenceEqual(other.GetBlob());

    public override bool Equals(object? obj) => Equals(obj as SshPublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(GetBlob());
        return hash.ToHashCode();
    }

    /// <summary>The algorithm name a signature blob declares, or null when the blob is malformed.</summary>
    public static string? SignatureAlgorithmOf(ReadOnlySpan<byte> signatureBlob) =>
        TryReadSignatureBlob(signatureBlob, out string algorithm, out _) ? algorithm : null;

    /// <summary>Reads <c>string algorithm ‖ string signature</c>; returns false when malformed.</summary>
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
