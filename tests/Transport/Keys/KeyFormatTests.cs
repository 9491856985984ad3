using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

/// <summary>Keys written and read in every format (OpenSSH, PEM, PKCS#8, encrypted or not), generated, and
/// fingerprinted as ssh-keygen does. The files in TestData were written by ssh-keygen and OpenSSL.</summary>
public sealed class KeyFormatTests
{
    private const string Passphrase = "pass phrase";

    [TestCase("rsa_pem_encrypted")]            // ssh-keygen -m PEM -N: OpenSSL traditional AES-128-CBC
    [TestCase("ecdsa_pem_encrypted")]
    [TestCase("rsa_pkcs8_encrypted")]          // ssh-keygen -m PKCS8 -N: PBES2, PBKDF2-HMAC-SHA256, AES-128-CBC
    [TestCase("rsa_pem_aes256", "rsa_pem")]    // openssl rsa -aes256 -traditional
    [TestCase("ecdsa_pem_3des", "ecdsa_pem")]  // openssl ec -des3
    [TestCase("ed25519_pkcs8_encrypted", "ed25519_pkcs8")] // openssl pkcs8 -topk8 -v2 aes-256-cbc
    [TestCase("ed25519_pkcs8_3des", "ed25519_pkcs8")]      // PBES2 with 3DES and HMAC-SHA1
    public void Encrypted_keys_of_other_tools_load_with_their_passphrase(string file, string? publicFile = null)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(file), Passphrase);
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf((publicFile ?? file) + ".pub")).Key));
        Assert.That(key.PublicKey.Verify("data"u8, key.Sign("data"u8)), Is.True);

        var missing = Assert.Throws<KeyPassphraseException>(() => SshPrivateKey.FromFile(TestData.PathOf(file)));
        Assert.That(missing!.PassphraseGiven, Is.False);
        Assert.That(missing.Message, Does.StartWith(TestData.PathOf(file) + ": "));
        var wrong = Assert.Throws<KeyPassphraseException>(() => SshPrivateKey.FromFile(TestData.PathOf(file), "not the passphrase"));
        Assert.That(wrong!.PassphraseGiven, Is.True);
        Assert.That(wrong.Message, Does.StartWith(TestData.PathOf(file) + ": "));
    }

    [TestCase("ed25519_pkcs8", "SHA256:xT0KrcBVYUh+QoOt856SRLlTIL+7owoZaC7b2PmfEss")] // openssl genpkey -algorithm ed25519
    [TestCase("ecdsa521_pkcs8", "SHA256:")]
    public void Plain_pkcs8_keys_load(string file, string fingerprintPrefix)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(file));
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf(file + ".pub")).Key));
        Assert.That(key.PublicKey.GetFingerprint(), Does.StartWith(fingerprintPrefix));
    }

    private static IEnumerable<TestCaseData> RoundTrips()
    {
        foreach (string file in new[] { "ed25519", "ecdsa256", "ecdsa384", "ecdsa521", "rsa2048" })
        foreach (PrivateKeyFormat format in Enum.GetValues<PrivateKeyFormat>())
        foreach (string? passphrase in new[] { null, "correct horse" })
        {
            if (file == "ed25519" && format == PrivateKeyFormat.Pem) continue;
            yield return new TestCaseData(file, format, passphrase).SetName($"Round_trip_{file}_{format}_{(passphrase is null ? "plain" : "encrypted")}");
        }
    }

    [TestCaseSource(nameof(RoundTrips))]
    public void Every_key_round_trips_through_every_format(string file, PrivateKeyFormat format, string? passphrase)
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(file));
        string text = key.Export(format, passphrase, kdfRounds: 2);
        string expectedBegin = format switch
        {
            PrivateKeyFormat.OpenSsh => "-----BEGIN OPENSSH PRIVATE KEY-----",
            PrivateKeyFormat.Pkcs8 => passphrase is null ? "-----BEGIN PRIVATE KEY-----" : "-----BEGIN ENCRYPTED PRIVATE KEY-----",
            _ => key is RsaPrivateKey ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----",
        };
        Assert.That(text, Does.StartWith(expectedBegin + "\n"));
        if (format == PrivateKeyFormat.Pem && passphrase is not null) Assert.That(text, Does.Contain("Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"));

        using SshPrivateKey again = SshPrivateKey.FromString(text, passphrase);
        Assert.That(again.PublicKey, Is.EqualTo(key.PublicKey));
        Assert.That(key.PublicKey.Verify("x"u8, again.Sign("x"u8)), Is.True);
        if (passphrase is not null)
            Assert.Throws<KeyPassphraseException>(() => SshPrivateKey.FromString(text, "wrong"));
    }

    [Test]
    public void Ed25519_has_no_pem_form_and_says_so()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("ed25519"));
        var e = Assert.Throws<NotSupportedException>(() => key.Export(PrivateKeyFormat.Pem));
        Assert.That(e!.Message, Does.Contain("PKCS#8"));
    }

    [Test]
    public void A_certified_key_exports_its_key()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("ed25519"));
        SshPrivateKey certified = key.LoadCertificate(TestData.PathOf("user_ed25519-cert.pub"));
        Assert.That(certified.Export(), Is.Not.Empty);
        Assert.That(SshPrivateKey.FromString(certified.Export()).PublicKey, Is.EqualTo(key.PublicKey));
    }

    [TestCase("ed25519", 0, "ssh-ed25519", 256)]
    [TestCase("ecdsa", 0, "ecdsa-sha2-nistp256", 256)]
    [TestCase("ecdsa", 384, "ecdsa-sha2-nistp384", 384)]
    [TestCase("ecdsa-sha2-nistp521", 0, "ecdsa-sha2-nistp521", 521)]
    [TestCase("rsa", 2048, "ssh-rsa", 2048)]
    public void Generate_makes_the_type_and_size_asked(string type, int bits, string keyType, int size)
    {
        using SshPrivateKey key = SshPrivateKey.Generate(type, bits);
        Assert.That(key.PublicKey.KeyType, Is.EqualTo(keyType));
        Assert.That(key.PublicKey.KeySizeInBits, Is.EqualTo(size));
        Assert.That(key.PublicKey.Verify("x"u8, key.Sign("x"u8)), Is.True);
    }

    [TestCase("rsa", 1024)]
    [TestCase("rsa", 2049)]
    [TestCase("ecdsa", 300)]
    [TestCase("ed25519", 512)]
    [TestCase("dsa", 0)]
    public void Generate_refuses_what_ssh_keygen_would_not_make(string type, int bits) =>
        Assert.That(() => SshPrivateKey.Generate(type, bits), Throws.InstanceOf<ArgumentException>());

    [Test]
    public void The_default_rsa_size_is_3072()
    {
        using SshPrivateKey key = SshPrivateKey.Generate("rsa");
        Assert.That(key.PublicKey.KeySizeInBits, Is.EqualTo(3072));
    }

    [Test, System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void WritePrivateKeyFile_creates_the_file_for_its_owner_only()
    {
        string path = Path.Combine(Path.GetTempPath(), "sshcs-key-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var key = Ed25519PrivateKey.Generate();
            key.Comment = "me@here";
            key.WritePrivateKeyFile(path, "secret passphrase");
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            using SshPrivateKey loaded = SshPrivateKey.FromFile(path, "secret passphrase");
            Assert.That(loaded.PublicKey, Is.EqualTo(key.PublicKey));
            Assert.That(loaded.Comment, Is.EqualTo("me@here"));
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".*.tmp"), Is.Empty);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "corrupt")]
    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n", "truncated")]
    [TestCase("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINtcPpfj3jvmw7JnzftuJ7Ri8O/HIEVMiAS+iD7V4Zaa x\n", "public key")]
    [TestCase("-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n", "DSA")]
    [TestCase("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "RSA")]
    [TestCase("hello\n", "not a private key")]
    public void A_bad_file_is_an_error_naming_the_file_and_the_problem(string text, string problem) =>
        WithFile(text, path =>
        {
            var e = Assert.Throws<FormatException>(() => SshPrivateKey.FromFile(path));
            Assert.That(e!.Message, Does.StartWith(path + ": ").And.Contain(problem));
        });

    private static void WithFile(string text, Action<string> test)
    {
        string path = Path.Combine(Path.GetTempPath(), "sshcs-bad-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(path, text);
            test(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void An_unsupported_private_key_type_is_named()
    {
        // ssh-keygen -t dsa is gone from OpenSSH 9.8; a hand-made openssh-key-v1 file with an ssh-dss section.
        var section = new Ssh.Transport.Wire.SshBuffer().WriteUInt32(7).WriteUInt32(7).WriteString("ssh-dss").WriteString("x").ToArray();
        var file = new Ssh.Transport.Wire.SshBuffer().WriteBytes("openssh-key-v1\0"u8).WriteString("none").WriteString("none").WriteString("")
            .WriteUInt32(1).WriteString("pub").WriteString(section).ToArray();
        string text = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Convert.ToBase64String(file) + "\n-----END OPENSSH PRIVATE KEY-----\n";
        var e = Assert.Throws<FormatException>(() => SshPrivateKey.FromString(text));
        Assert.That(e!.Message, Does.Contain("ssh-dss"));
    }

    [Test]
    public void A_bad_public_key_file_names_the_file() =>
        WithFile("ssh-ed25519 not-base64!\n", path =>
        {
            var e = Assert.Throws<FormatException>(() => PublicKeyFile.Load(path));
            Assert.That(e!.Message, Does.StartWith(path + ": ").And.Contain("base64"));
        });

    [TestCase("ed25519.pub", "sha256", """
        +--[ED25519 256]--+
        |            ..=*&|
        |         .   *.B*|
        |        . o B.B.+|
        |       ..*.=.=o.+|
        |        S+=.+o +o|
        |         oEo. +..|
        |           . . o.|
        |            o ...|
        |           .    .|
        +----[SHA256]-----+
        """)]
    [TestCase("rsa2048.pub", "md5", """
        +---[RSA 2048]----+
        |      .          |
        |     . o E       |
        |      . o   o o  |
        |       . . o O   |
        |      . S o * o  |
        |       o * o o . |
        |        + . o  ..|
        |       .   .  . .|
        |           .o.   |
        +------[MD5]------+
        """)]
    [TestCase("ecdsa521.pub", "sha256", """
        +---[ECDSA 521]---+
        |+   o+==o.       |
        |+.o .=B==.       |
        |oo +.o+*+.       |
        |o o o ==+        |
        | o o * +So       |
        |  o O + o .      |
        |   = * o E       |
        |    o .          |
        |                 |
        +----[SHA256]-----+
        """)]
    [TestCase("user_ed25519-cert.pub", "sha256", """
        +-[ED25519-CERT]--+
        |            ..=*&|
        |         .   *.B*|
        |        . o B.B.+|
        |       ..*.=.=o.+|
        |        S+=.+o +o|
        |         oEo. +..|
        |           . . o.|
        |            o ...|
        |           .    .|
        +----[SHA256]-----+
        """)]
    public void Random_art_is_ssh_keygen_lv(string file, string hash, string expected)
    {
        SshPublicKey key = PublicKeyFile.Load(TestData.PathOf(file)).Key;
        Assert.That(key.GetRandomArt(hash), Is.EqualTo(expected.Replace("\r", "")));
    }

    [TestCase("+1h", 0, 3600)]
    [TestCase("-5m:+52w1d", -300, 52 * 604800 + 86400)]
    [TestCase("always:forever", null, null)]
    [TestCase("20200101Z:20300101Z", -1, -1)]
    public void Validity_takes_ssh_keygen_V(string interval, int? fromOffset, int? toOffset)
    {
        var now = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var builder = new SshCertificateBuilder(Ed25519PrivateKey.Generate().PublicKey, SshCertificateType.User, "x").SetValidity(interval, now);
        if (fromOffset == -1)
        {
            Assert.That(builder.ValidAfter, Is.EqualTo(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(builder.ValidBefore, Is.EqualTo(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            return;
        }
        Assert.That(builder.ValidAfter, Is.EqualTo(fromOffset is { } f ? now.AddSeconds(f) : null));
        Assert.That(builder.ValidBefore, Is.EqualTo(toOffset is { } t ? now.AddSeconds(t) : null));
    }

    [TestCase("+5x")]
    [TestCase("soon")]
    [TestCase("forever:always")]
    public void Validity_refuses_what_ssh_keygen_would(string interval) =>
        Assert.Throws<FormatException>(() => new SshCertificateBuilder(Ed25519PrivateKey.Generate().PublicKey, SshCertificateType.User, "x").SetValidity(interval));

    [Test]
    public void Md5_fingerprint_is_ssh_keygen_E_md5() =>
        Assert.That(PublicKeyFile.Load(TestData.PathOf("rsa2048.pub")).Key.GetFingerprint("md5"),
            Is.EqualTo("MD5:e9:d6:4d:f1:64:ca:b1:f7:a3:3a:05:9a:6c:48:81:77"));
}
