using System.Security.Cryptography;

namespace Ssh.Transport.Keys;

/// <summary>
/// RSA and ECDSA private keys in the PEM formats older tools write: PKCS#1 (<c>BEGIN RSA PRIVATE KEY</c>), SEC1
/// (<c>BEGIN EC PRIVATE KEY</c>) and PKCS#8 (<c>BEGIN PRIVATE KEY</c>, or <c>BEGIN ENCRYPTED PRIVATE KEY</c> with a
/// passphrase). The legacy OpenSSL encryption (<c>Proc-Type: 4,ENCRYPTED</c>) is refused with a way out.
/// </summary>
internal static class PemPrivateKey
{
    public static bool IsPem(string text) =>
        text.Contains("-----BEGIN RSA PRIVATE KEY-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN EC PRIVATE KEY-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal) ||
        text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);

    public static SshPrivateKey Parse(string text, string? passphrase)
    {
        if (text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
            throw new FormatException("The PEM key uses OpenSSL's legacy encryption, which is not supported; " +
                                      "re-encrypt it in the OpenSSH format with 'ssh-keygen -p -f <file>'.");
        bool encrypted = text.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && passphrase is null)
            throw new KeyPassphraseException("The PEM key is encrypted; give its passphrase.", passphraseGiven: false);

        bool ecOnly = text.Contains("-----BEGIN EC PRIVATE KEY-----", StringComparison.Ordinal);
        bool rsaOnly = text.Contains("-----BEGIN RSA PRIVATE KEY-----", StringComparison.Ordinal);
        CryptographicException? failure = null;
        if (!ecOnly)
        {
            using RSA rsa = RSA.Create();
            try
            {
                if (encrypted) rsa.ImportFromEncryptedPem(text, passphrase);
                else rsa.ImportFromPem(text);
                return new RsaPrivateKey(rsa.ExportParameters(true));
            }
            catch (CryptographicException e)
            {
                failure = e;
            }
            catch (ArgumentException e)
            {
                throw new FormatException("The PEM key cannot be read: " + e.Message, e);
            }
        }
        if (!rsaOnly)
        {
            using ECDsa ec = ECDsa.Create();
            try
            {
                if (encrypted) ec.ImportFromEncryptedPem(text, passphrase);
                else ec.ImportFromPem(text);
                return FromEc(ec);
            }
            catch (CryptographicException e)
            {
                failure = e;
            }
            catch (PlatformNotSupportedException e)
            {
                // The platform names it so when the key's curve is one it does not know (an unknown OID in the file).
                throw new FormatException("The PEM key is on a curve this platform cannot use; SSH uses NIST P-256, P-384 and P-521.", e);
            }
            catch (ArgumentException e)
            {
                throw new FormatException("The PEM key cannot be read: " + e.Message, e);
            }
        }
        if (encrypted) throw new KeyPassphraseException("The PEM key cannot be decrypted: wrong passphrase, or not an RSA or ECDSA key.", passphraseGiven: true);
        throw new FormatException("The PEM key is not a readable RSA or ECDSA key" + (failure is null ? "." : ": " + failure.Message), failure);
    }

    private static EcdsaPrivateKey FromEc(ECDsa ec)
    {
        ECParameters p = ec.ExportParameters(true);
        EcdsaCurve curve = ec.KeySize switch
        {
            256 => EcdsaCurve.P256,
            384 => EcdsaCurve.P384,
            521 => EcdsaCurve.P521,
            _ => throw new FormatException($"The PEM key is on a {ec.KeySize}-bit curve; SSH uses NIST P-256, P-384 and P-521."),
        };
        byte[] point = [0x04, .. p.Q.X!, .. p.Q.Y!];
        try
        {
            return new EcdsaPrivateKey(curve, point, p.D);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
        }
    }
}
