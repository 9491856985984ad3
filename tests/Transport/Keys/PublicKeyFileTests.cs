using NUnit.Framework;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

public class PublicKeyFileTests
{
    private const string KeyBase64 = "AAAAC3NzaC1lZDI1NTE5AAAAINtcPpfj3jvmw7JnzftuJ7Ri8O/HIEVMiAS+iD7V4Zaa";
    private const string RsaLine = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 rsa@host";

    private static SshPublicKey FixtureKey => PublicKeyFile.Load(TestData.PathOf("ed25519.pub")).Key;

    [Test]
    public void PubFile_GivesKeyAndComment()
    {
        PublicKeyFileEntry entry = PublicKeyFile.Load(TestData.PathOf("ed25519.pub"));
        Assert.That(entry.Key.KeyType, Is.EqualTo("ssh-ed25519"));
        Assert.That(entry.Key.GetFingerprint(), Is.EqualTo("SHA256:fUzHX5hxFR+l0V3RYDouxOKTxzV50HutatS8PdGACuc"));
        Assert.That(entry.Comment, Is.EqualTo("test@ssh-cs"));
        Assert.That(entry.Options, Is.Null);
        Assert.That(entry.Key.ToOpenSshString(entry.Comment) + "\n", Is.EqualTo(TestData.Read("ed25519.pub")));
    }

    [Test]
    public void Rfc4716File_GivesTheSameKeyAndTheCommentHeader()
    {
        PublicKeyFileEntry entry = PublicKeyFile.Load(TestData.PathOf("ed25519.rfc4716.pub"));
        Assert.That(entry.Key, Is.EqualTo(FixtureKey));
        Assert.That(entry.Comment, Is.EqualTo("256-bit ED25519, converted by root@vm from OpenSSH"));
    }

    [Test]
    public void Rfc4716_RoundTrips_WithContinuedHeaders()
    {
        string text = PublicKeyFile.FormatRfc4716(FixtureKey, "my key");
        Assert.That(PublicKeyFile.Parse(text), Is.EqualTo(new PublicKeyFileEntry(FixtureKey, "my key")));

        string continued = "---- BEGIN SSH2 PUBLIC KEY ----\r\nSubject: me\r\nComment: \"a long \\\r\ncomment\"\r\nx-private: 1\r\n"
            + KeyBase64[..30] + "\r\n" + KeyBase64[30..] + "\r\n---- END SSH2 PUBLIC KEY ----\r\n";
        PublicKeyFileEntry entry = PublicKeyFile.Parse(continued);
        Assert.That(entry.Key, Is.EqualTo(FixtureKey));
        Assert.That(entry.Comment, Is.EqualTo("a long comment"));
    }

    [Test]
    public void AuthorizedKeysLine_WithOptions_KeepsThem()
    {
        const string options = "from=\"10.0.0.1,192.168.*\",command=\"echo \\\"hi there\\\"\",no-pty";
        PublicKeyFileEntry entry = PublicKeyFile.ParseLine($"{options} ssh-ed25519 {KeyBase64} alice@laptop");
        Assert.That(entry.Options, Is.EqualTo(options));
        Assert.That(entry.Key, Is.EqualTo(FixtureKey));
        Assert.That(entry.Comment, Is.EqualTo("alice@laptop"));
    }

    [Test]
    public void Line_WithoutComment_HasAnEmptyOne()
    {
        Assert.That(PublicKeyFile.ParseLine($"  ssh-ed25519\t{KeyBase64}  ").Comment, Is.Empty);
    }

    [TestCase(RsaLine, "ssh-rsa")]
    [TestCase("no-pty " + RsaLine, "ssh-rsa")]
    [TestCase("ssh-ed25519 AAAA!!!", "base64")]
    [TestCase("ssh-ed25519", "type base64")]
    [TestCase("ssh-rsa " + KeyBase64, "names key type 'ssh-rsa'")]
    [TestCase("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINtcPpfj3jvmw7Jnzftu", "malformed")]
    [TestCase("command=\"unterminated ssh-ed25519 " + KeyBase64, "unterminated")]
    public void BadLines_RaiseAFormatExceptionThatSaysWhy(string line, string expected)
    {
        var e = Assert.Throws<FormatException>(() => PublicKeyFile.ParseLine(line));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void AuthorizedKeysFile_SkipsCommentsBlanksAndBadLines_AndReportsTheBadOnes()
    {
        using SshPrivateKey other = Ed25519PrivateKey.Generate();
        string text = string.Join('\n',
            "# keys for alice",
            "",
            $"ssh-ed25519 {KeyBase64} alice@laptop",
            RsaLine,
            "garbage",
            $"restrict,port-forwarding {other.PublicKey.ToOpenSshString("ci")}",
            "");
        AuthorizedKeysFile file = AuthorizedKeysFile.Parse(text);

        Assert.That(file.Entries, Has.Count.EqualTo(2));
        Assert.That(file.Warnings, Has.Count.EqualTo(2));
        Assert.That(file.Warnings[0], Does.StartWith("line 4:").And.Contain("ssh-rsa"));
        Assert.That(file.Warnings[1], Does.StartWith("line 5:"));
        Assert.That(file.Contains(FixtureKey), Is.True);
        Assert.That(file.Contains(other.PublicKey), Is.True);
        Assert.That(file.Find(other.PublicKey)!.Options, Is.EqualTo("restrict,port-forwarding"));
        using SshPrivateKey stranger = Ed25519PrivateKey.Generate();
        Assert.That(file.Contains(stranger.PublicKey), Is.False);
    }
}
