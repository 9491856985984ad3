using System.Text;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

public class OpenSshPrivateKeyFileTests
{
    // What `ssh-keygen -lf tests/TestData/ed25519` prints.
    private const string Fingerprint = "SHA256:fUzHX5hxFR+l0V3RYDouxOKTxzV50HutatS8PdGACuc";
    private const string Passphrase = "correct horse";

    [Test]
    public void Load_GivesTheKeyOfThePubFileAndSshKeygensFingerprint()
    {
        using SshPrivateKey key = OpenSshPrivateKeyFile.Load(TestData.PathOf("ed25519"));
        PublicKeyFileEntry pub = PublicKeyFile.Load(TestData.PathOf("ed25519.pub"));

        Assert.That(key, Is.InstanceOf<Ed25519PrivateKey>());
        Assert.That(key.PublicKey, Is.EqualTo(pub.Key));
        Assert.That(key.PublicKey.GetFingerprint(), Is.EqualTo(Fingerprint));
        Assert.That(key.Comment, Is.EqualTo("test@ssh-cs"));
    }

    [Test]
    public void FromFile_IsTheSameAsLoad()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("ed25519"));
        Assert.That(key.PublicKey.GetFingerprint(), Is.EqualTo(Fingerprint));
    }

    [Test]
    public void ParsedKey_SignsWhatItsPublicKeyVerifies()
    {
        using SshPrivateKey key = OpenSshPrivateKeyFile.Load(TestData.PathOf("ed25519"));
        byte[] data = Encoding.UTF8.GetBytes("exchange hash");
        byte[] signature = key.Sign(data);

        Assert.That(key.PublicKey.Verify(data, signature), Is.True);
        Assert.That(key.PublicKey.Verify(Encoding.UTF8.GetBytes("something else"), signature), Is.False);
    }

    [Test]
    public void Format_ThenParse_RoundTrips()
    {
        using SshPrivateKey original = OpenSshPrivateKeyFile.Load(TestData.PathOf("ed25519"));
        string text = OpenSshPrivateKeyFile.Format(original);
        using SshPrivateKey parsed = OpenSshPrivateKeyFile.Parse(text);

        Assert.That(text, Does.StartWith(OpenSshPrivateKeyFile.BeginMarker + "\n"));
        Assert.That(text, Does.EndWith(OpenSshPrivateKeyFile.EndMarker + "\n"));
        Assert.That(text.Split('\n').Max(l => l.Length), Is.LessThanOrEqualTo(70));
        Assert.That(OpenSshPrivateKeyFile.IsEncrypted(text), Is.False);
        Assert.That(parsed.PublicKey, Is.EqualTo(original.PublicKey));
        Assert.That(parsed.Comment, Is.EqualTo("test@ssh-cs"));
    }

    [Test]
    public void Format_OfAGeneratedKey_RoundTripsWithAnEmptyComment()
    {
        using var generated = Ed25519PrivateKey.Generate();
        using SshPrivateKey parsed = OpenSshPrivateKeyFile.Parse(OpenSshPrivateKeyFile.Format(generated));
        Assert.That(parsed.PublicKey, Is.EqualTo(generated.PublicKey));
        Assert.That(parsed.Comment, Is.Empty);
    }

    [Test]
    public void Format_WithPassphrase_RoundTrips()
    {
        using var generated = Ed25519PrivateKey.Generate();
        generated.Comment = "host key";
        string text = OpenSshPrivateKeyFile.Format(generated, "s3cret", kdfRounds: 2);

        Assert.That(OpenSshPrivateKeyFile.IsEncrypted(text), Is.True);
        using SshPrivateKey parsed = OpenSshPrivateKeyFile.Parse(text, "s3cret");
        Assert.That(parsed.PublicKey, Is.EqualTo(generated.PublicKey));
        Assert.That(parsed.Comment, Is.EqualTo("host key"));
        Assert.Throws<KeyPassphraseException>(() => OpenSshPrivateKeyFile.Parse(text, "wrong"));
    }

    [TestCase("ed25519_encrypted", "SHA256:DEwqJSavDHeXLnIXdyB9E085qLcAJwAEU20QUp1Hhpk", "encrypted@ssh-cs")]
    [TestCase("ed25519_encrypted_gcm", "SHA256:xLHQDhk3uOD4gvIvB5XU/UG4dKg32gtM9rmaOmno1Mg", "gcm@ssh-cs")]
    public void EncryptedKey_WithThePassphrase_Decrypts(string file, string fingerprint, string comment)
    {
        using SshPrivateKey key = OpenSshPrivateKeyFile.Load(TestData.PathOf(file), Passphrase);
        Assert.That(key.PublicKey.GetFingerprint(), Is.EqualTo(fingerprint));
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf(file + ".pub")).Key));
        Assert.That(key.Comment, Is.EqualTo(comment));
    }

    [TestCase("ed25519_encrypted")]
    [TestCase("ed25519_encrypted_gcm")]
    public void EncryptedKey_WithoutPassphrase_SaysOneIsNeeded(string file)
    {
        var e = Assert.Throws<KeyPassphraseException>(() => OpenSshPrivateKeyFile.Load(TestData.PathOf(file)));
        Assert.That(e!.PassphraseGiven, Is.False);
        Assert.That(e.Message, Does.Contain("passphrase"));
        Assert.That(OpenSshPrivateKeyFile.IsEncrypted(TestData.Read(file)), Is.True);
    }

    [TestCase("ed25519_encrypted")]
    [TestCase("ed25519_encrypted_gcm")]
    public void EncryptedKey_WithWrongPassphrase_SaysItIsWrong(string file)
    {
        var e = Assert.Throws<KeyPassphraseException>(() => OpenSshPrivateKeyFile.Load(TestData.PathOf(file), "incorrect horse"));
        Assert.That(e!.PassphraseGiven, Is.True);
    }

    [Test]
    public void EveryTruncatedPrefix_IsRejectedAsMalformed()
    {
        byte[] blob = OpenSshPrivateKeyFile.DecodeArmor(TestData.Read("ed25519"));
        for (int length = 0; length < blob.Length; length++)
        {
            Exception? error = Catch(() => OpenSshPrivateKeyFile.ParseBlob(blob.AsSpan(0, length).ToArray()));
            Assert.That(error, Is.InstanceOf<FormatException>().Or.InstanceOf<SshException>(), $"prefix of {length} bytes");
        }
    }

    [Test]
    public void EveryTruncatedPrefix_OfAnEncryptedKey_IsRejectedAsMalformed()
    {
        byte[] blob = OpenSshPrivateKeyFile.DecodeArmor(TestData.Read("ed25519_encrypted_gcm"));
        for (int length = 0; length < blob.Length; length++)
        {
            Exception? error = Catch(() => OpenSshPrivateKeyFile.ParseBlob(blob.AsSpan(0, length).ToArray(), "wrong"));
            Assert.That(error, Is.InstanceOf<FormatException>().Or.InstanceOf<SshException>(), $"prefix of {length} bytes");
        }
    }

    [Test]
    public void EveryFlippedByte_IsRejectedCleanlyOrIsHarmless()
    {
        byte[] blob = OpenSshPrivateKeyFile.DecodeArmor(TestData.Read("ed25519"));
        for (int i = 0; i < blob.Length; i++)
        {
            byte[] copy = (byte[])blob.Clone();
            copy[i] ^= 0x41;
            Exception? error = Catch(() => OpenSshPrivateKeyFile.ParseBlob(copy));
            Assert.That(error, Is.Null.Or.InstanceOf<FormatException>().Or.InstanceOf<SshException>(), $"byte {i} flipped");
        }
    }

    [Test]
    public void MismatchedCheckInts_AreRejected()
    {
        byte[] blob = OpenSshPrivateKeyFile.DecodeArmor(TestData.Read("ed25519"));
        // The private section of an unencrypted ed25519 key starts after the 51-byte public blob and its length fields.
        int section = 15 + 8 + 4 + 8 + 4 + 4 + 4 + 51 + 4;
        blob[section] ^= 1;
        var e = Assert.Throws<FormatException>(() => OpenSshPrivateKeyFile.ParseBlob(blob));
        Assert.That(e!.Message, Does.Contain("check"));
    }

    [Test]
    public void BadPadding_IsRejected()
    {
        byte[] blob = OpenSshPrivateKeyFile.DecodeArmor(TestData.Read("ed25519"));
        Assume.That(blob[^1], Is.Not.EqualTo(0)); // the fixture has padding
        blob[^1] ^= 0x80;
        var e = Assert.Throws<FormatException>(() => OpenSshPrivateKeyFile.ParseBlob(blob));
        Assert.That(e!.Message, Does.Contain("padding"));
    }

    [TestCase("", "No '-----BEGIN OPENSSH PRIVATE KEY-----'")]
    [TestCase("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n", "PEM")]
    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5v\n", "truncated")]
    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blb*NzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n", "base64")]
    [TestCase("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjIA\n-----END OPENSSH PRIVATE KEY-----\n", "magic")]
    public void BadFiles_RaiseAFormatExceptionThatSaysWhy(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => OpenSshPrivateKeyFile.Parse(text));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void UnsupportedKeyType_IsAFormatException()
    {
        // openssh-key-v1, cipher none, one key whose private section names "ssh-foo".
        var priv = new Ssh.Transport.Wire.SshBuffer().WriteUInt32(7).WriteUInt32(7).WriteString("ssh-foo").WriteBytes(new byte[] { 1, 2, 3, 4, 5 });
        var blob = new Ssh.Transport.Wire.SshBuffer().WriteBytes("openssh-key-v1\0"u8).WriteString("none").WriteString("none")
            .WriteString(ReadOnlySpan<byte>.Empty).WriteUInt32(1).WriteString(new Ssh.Transport.Wire.SshBuffer().WriteString("ssh-foo").Span)
            .WriteString(priv.Span);
        var e = Assert.Throws<FormatException>(() => OpenSshPrivateKeyFile.ParseBlob(blob.Span));
        Assert.That(e!.Message, Does.Contain("ssh-foo"));
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
