using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// A post-quantum KEM combined with X25519 in the ECDH flow, as OpenSSH does it (<c>kexmlkem768x25519.c</c>,
/// <c>kexsntrup761x25519.c</c>) and the IETF sshm hybrid drafts specify it:
/// <code>
/// Q_C = KEM public key ‖ X25519 client public value
/// Q_S = KEM ciphertext ‖ X25519 server public value
/// K   = string HASH(KEM shared secret ‖ X25519 shared secret)
/// </code>
/// K is a string, not an mpint, both in H and in key derivation. The server encapsulates to the client's KEM key;
/// the client decapsulates. A subclass supplies the KEM.
/// </summary>
internal abstract class HybridKemKeyExchange : EcdhKeyExchange
{
    private readonly X25519Ephemeral _x25519;

    protected HybridKemKeyExchange(X25519Ephemeral x25519) => _x25519 = x25519;

    /// <summary>Length of the KEM's encoded public key.</summary>
    protected abstract int KemPublicKeyLength { get; }

    /// <summary>Length of the KEM's ciphertext.</summary>
    protected abstract int KemCiphertextLength { get; }

    /// <summary>Client: makes the KEM key pair, keeps the private key, returns the encoded public key.</summary>
    protected abstract byte[] KemGenerateKeyPair();

    /// <summary>Server: encapsulates to the client's public key (of the right length). Returns the KEM shared
    /// secret; refuses a public key the KEM rejects with an <see cref="SshProtocolException"/>.</summary>
    protected abstract byte[] KemEncapsulate(ReadOnlySpan<byte> publicKey, out byte[] ciphertext);

    /// <summary>Client: decapsulates the server's ciphertext (of the right length) with the kept private key,
    /// which is forgotten afterwards.</summary>
    protected abstract byte[] KemDecapsulate(ReadOnlySpan<byte> ciphertext);

    /// <summary>Forgets the KEM private key.</summary>
    protected abstract void KemForget();

    protected sealed override void CheckPeerPublic(ReadOnlySpan<byte> value, bool fromClient) =>
        CheckLength(value, (fromClient ? KemPublicKeyLength : KemCiphertextLength) + X25519Ephemeral.Size, fromClient);

    protected sealed override byte[] CreateClientPublic()
    {
        byte[] kem = KemGenerateKeyPair();
        return [.. kem, .. _x25519.PublicValue()];
    }

    protected sealed override byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic)
    {
        byte[] kemSecret = KemEncapsulate(clientPublic[..KemPublicKeyLength], out byte[] ciphertext);
        try
        {
            byte[] ours = _x25519.PublicValue();
            byte[] ecdhSecret = _x25519.Agree(clientPublic[KemPublicKeyLength..], Specification);
            serverPublic = [.. ciphertext, .. ours];
            return Combine(kemSecret, ecdhSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kemSecret);
        }
    }

    protected sealed override byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic)
    {
        byte[] kemSecret;
        try
        {
            kemSecret = KemDecapsulate(serverPublic[..KemCiphertextLength]);
        }
        catch
        {
            _x25519.Dispose();
            throw;
        }
        try
        {
            return Combine(kemSecret, _x25519.Agree(serverPublic[KemCiphertextLength..], Specification));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kemSecret);
        }
    }

    /// <summary>HASH(KEM secret ‖ X25519 secret); the X25519 secret is wiped here.</summary>
    private byte[] Combine(byte[] kemSecret, byte[] ecdhSecret)
    {
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithm);
            hash.AppendData(kemSecret);
            hash.AppendData(ecdhSecret);
            return hash.GetHashAndReset();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ecdhSecret);
        }
    }

    /// <summary>K is the hash as a string (not an mpint): OpenSSH's <c>sshbuf_put_string</c> of it.</summary>
    protected sealed override byte[] EncodeSharedSecret(ReadOnlySpan<byte> secret) =>
        new SshBuffer(4 + secret.Length).WriteString(secret).ToArray();

    public sealed override void Dispose()
    {
        _x25519.Dispose();
        KemForget();
    }
}
