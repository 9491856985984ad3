using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

/// <summary>RSA keys with RFC 8332 signatures, and the PEM formats (PKCS#1, SEC1, PKCS#8) older tools write.</summary>
[TestFixture]
public sealed class RsaAndPemKeyTests
{
    [TestCase("rsa2048", "ssh-rsa", "SHA256:bnNmKHTHEAI4xyjIaxzA8N46Hm3GYpp3zTPDB0w/hyM")]
    [TestCase("rsa_pem", "ssh-rsa", "SHA256:UtKOkdV903pVjKcYkfK8rMTC1ky43FChWzMVnBvZybs")]
    [TestCase("rsa_pkcs8", "ssh-rsa", "SHA256:lpgdXZwup+So2f0aGMw4e5Qhege41C95iyeIZi0k7eI")]
    [TestCase("ecdsa_pem", "ecdsa-sha2-nistp256", "SHA256:9/kyUE7HtnvckWGUfNvFxd+f1fK/c7AQsPh88HppgaI")]
    public void Ssh_keygen_keys_load_with_their_fingerprint_and_sign(string file, string type, string fingerprint)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(file));
        Assert.That(key.PublicKey.KeyType, Is.EqualTo(type));
        Assert.That(key.PublicKey.GetFingerprint(), Is.EqualTo(fingerprint));
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf(file + ".pub")).Key));
        byte[] signature = key.Sign("data"u8);
        Assert.That(key.PublicKey.Verify("data"u8, signature), Is.True);
        Assert.That(key.PublicKey.Verify("other"u8, signature), Is.False);
    }

    [TestCase("rsa-sha2-256")]
    [TestCase("rsa-sha2-512")]
    public void Rsa_signs_with_the_requested_sha2_algorithm(string algorithm)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("rsa2048"));
        byte[] signature = key.Sign("data"u8, algorithm);
        Assert.That(SshPublicKey.SignatureAlgorithmOf(signature), Is.EqualTo(algorithm));
        Assert.That(key.PublicKey.Verify("data"u8, signature), Is.True);
    }

    /// <summary>An openssh-key-v1 RSA key whose p is 1: the CRT value d mod (p-1) divided by zero, and a
    /// DivideByZeroException came out of a parser that documents FormatException. Found reading the code the
    /// openssh-private-key fuzz target drives (the fuzzer itself did not reach it in 90 s).</summary>
    [Test]
    public void An_openssh_rsa_key_with_a_prime_of_one_is_a_format_error()
    {
        byte[] blob = Convert.FromHexString(
            "6f70656e7373682d6b65792d763100000000046e6f6e65000000046e6f6e6500000000000000010000000178000000400000000700000007" +
            "000000077373682d727361000000044301020300000003010001000000010500000001010000000101000000010300000001630102030405");
        var error = Assert.Throws<FormatException>(() => OpenSshPrivateKeyFile.ParseBlob(blob));
        Assert.That(error!.Message, Does.Contain("prime below 2"));
    }

    /// <summary>Found by fuzzing (target private-key-text): tests/TestData/ecdsa_pem with two base64 characters
    /// changed, so the SEC1 key names the curve OID 1.2.2888.10045.3.1.7. The platform's PlatformNotSupportedException
    /// came out of a parser that documents FormatException.</summary>
    [Test]
    public void A_pem_ec_key_on_a_curve_the_platform_does_not_know_is_a_format_error()
    {
        const string text = "-----BEGIN EC PRIVATE KEY-----\n" +
            "MHcCAQEEICGM20j+yO4fmt0aGSjxbVvfaAUYuVZ7esvWX5I9Hn4woAoGCCqWSM49\n" +
            "AwEHoUQDQgAEmY5RzN98FoTFOZDzPcO07346HoPtoxEC+zIBw9XRp09dHM2f+5Ji\n" +
            "DrS5VVHtHxN35vf5f4JUhc+z9tGYxx3bag==\n" +
            "-----END EC PRIVATE KEY-----\n";
        var error = Assert.Throws<FormatException>(() => SshPrivateKey.FromString(text));
        Assert.That(error!.Message, Does.Contain("curve"));
    }

    [Test]
    public void Sha1_ssh_rsa_is_only_for_a_host_key_algorithm_negotiated_on_request()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("rsa2048"));
        Assert.Throws<NotSupportedException>(() => key.Sign("data"u8, "ssh-rsa-sha1"));
        // User authentication offers and accepts only what SignatureAlgorithms lists: never SHA-1.
        Assert.That(key.PublicKey.SignatureAlgorithms, Does.Not.Contain("ssh-rsa"));
        // A host key signature with the negotiated ssh-rsa (RFC 4253 §6.6): PKCS#1 v1.5 over SHA-1.
        byte[] signature = key.Sign("data"u8, "ssh-rsa");
        Assert.That(SshPublicKey.SignatureAlgorithmOf(signature), Is.EqualTo("ssh-rsa"));
        Assert.That(key.PublicKey.Verify("data"u8, signature), Is.True);
        var r = new Ssh.Transport.Wire.SshReader(signature);
        r.ReadString();
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportParameters(((RsaPublicKey)key.PublicKey).Key.ExportParameters(false));
        Assert.That(rsa.VerifyData("data"u8, r.ReadStringBytes(), System.Security.Cryptography.HashAlgorithmName.SHA1,
            System.Security.Cryptography.RSASignaturePadding.Pkcs1), Is.True);
    }

    [Test]
    public void An_rsa_key_round_trips_through_the_OpenSSH_format()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("rsa_pem"));
        using SshPrivateKey again = OpenSshPrivateKeyFile.Parse(OpenSshPrivateKeyFile.Format(key));
        Assert.That(again.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(key.PublicKey.Verify("x"u8, again.Sign("x"u8)), Is.True);
    }

    [Test]
    public void A_small_rsa_modulus_is_refused()
    {
        byte[] blob = new Ssh.Transport.Wire.SshBuffer().WriteString("ssh-rsa").WriteMpint([1, 0, 1]).WriteMpint(new byte[64].Select(_ => (byte)0xC3).ToArray()).ToArray();
        var error = Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob));
        Assert.That(error!.Message, Does.Contain("1024"));
    }

    [Test]
    public void Legacy_encrypted_pem_needs_its_passphrase_and_a_cipher_we_know()
    {
        const string legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: {0}\n\nAAAAAAAAAAAAAAAAAAAAAA==\n-----END RSA PRIVATE KEY-----\n";
        var missing = Assert.Throws<KeyPassphraseException>(() => SshPrivateKey.FromString(string.Format(legacy, "AES-128-CBC,00112233445566778899AABBCCDDEEFF")));
        Assert.That(missing!.PassphraseGiven, Is.False);
        var unknown = Assert.Throws<FormatException>(() => SshPrivateKey.FromString(string.Format(legacy, "CAMELLIA-128-CBC,00112233445566778899AABBCCDDEEFF"), "pw"));
        Assert.That(unknown!.Message, Does.Contain("CAMELLIA-128-CBC"));
        var badIv = Assert.Throws<FormatException>(() => SshPrivateKey.FromString(string.Format(legacy, "AES-128-CBC,0011"), "pw"));
        Assert.That(badIv!.Message, Does.Contain("IV"));
    }

    [Test]
    public void An_rsa_blob_whose_numbers_are_not_a_key_is_a_format_error()
    {
        byte[] modulus = new byte[256];
        Array.Fill(modulus, (byte)0x7F);
        byte[] blob = new Ssh.Transport.Wire.SshBuffer().WriteString("ssh-rsa").WriteMpint([]).WriteMpint(modulus).ToArray();
        Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob));
    }
}
