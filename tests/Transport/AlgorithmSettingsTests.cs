using NUnit.Framework;
using Ssh.Transport;

namespace Ssh.Tests.Transport;

/// <summary>Choosing algorithms: profiles, paramiko's disabled_algorithms and OpenSSH's +, - and ^ list edits.</summary>
public sealed class AlgorithmSettingsTests
{
    [Test]
    public void Modern_IsTheDefault_PostQuantumFirst_NoSha1OrCbc()
    {
        var s = new TransportSettings();
        Assert.That(s.Profile, Is.EqualTo(AlgorithmProfile.Modern));
        Assert.That(s.KexAlgorithms[0], Is.EqualTo("mlkem768x25519-sha256"));
        Assert.That(s.KexAlgorithms, Has.None.Contains("sha1"));
        Assert.That(s.Ciphers, Has.None.EndsWith("-cbc"));
        Assert.That(s.Macs, Has.None.Contains("sha1"));
        Assert.That(s.HostKeyAlgorithms, Has.No.Member("ssh-rsa"));
        Assert.That(s.Compression, Is.EqualTo(new[] { "none" }));
    }

    [Test]
    public void Compatible_And_Legacy_AddWhatTheySay()
    {
        var s = new TransportSettings { Profile = AlgorithmProfile.Compatible };
        Assert.That(s.KexAlgorithms, Does.Contain("diffie-hellman-group14-sha1").And.Contain("diffie-hellman-group-exchange-sha1"));
        Assert.That(s.KexAlgorithms, Has.No.Member("diffie-hellman-group1-sha1"));
        Assert.That(s.Ciphers, Does.Contain("aes256-cbc").And.No.Member("3des-cbc"));
        Assert.That(s.Macs, Does.Contain("hmac-sha1"));
        Assert.That(s.HostKeyAlgorithms, Does.Contain("ssh-rsa"));
        s.ApplyOption("Profile=legacy");
        Assert.That(s.KexAlgorithms[^1], Is.EqualTo("diffie-hellman-group1-sha1"));
        Assert.That(s.Ciphers[^1], Is.EqualTo("3des-cbc"));
        Assert.That(s.KexAlgorithms[0], Is.EqualTo("mlkem768x25519-sha256"), "the preference order stays ours");
    }

    [Test]
    public void ListEdits_AsInSshConfig()
    {
        var s = new TransportSettings();
        s.ApplyOption("KexAlgorithms=+diffie-hellman-group1-sha1");
        Assert.That(s.KexAlgorithms[^1], Is.EqualTo("diffie-hellman-group1-sha1"));
        Assert.That(s.KexAlgorithms[0], Is.EqualTo("mlkem768x25519-sha256"));
        s.ApplyOption("KexAlgorithms=-*sha1,sntrup*");
        Assert.That(s.KexAlgorithms, Has.None.Contains("sha1").And.None.StartsWith("sntrup"));
        s.ApplyOption("KexAlgorithms=^curve25519-sha256");
        Assert.That(s.KexAlgorithms[0], Is.EqualTo("curve25519-sha256"));
        Assert.That(s.KexAlgorithms.Count(n => n == "curve25519-sha256"), Is.EqualTo(1));
        s.ApplyOption("Ciphers=aes128-ctr,aes192-ctr");
        Assert.That(s.Ciphers, Is.EqualTo(new[] { "aes128-ctr", "aes192-ctr" }));
        s.ApplyOption("MACs=+hmac-sha1");
        Assert.That(s.Macs[^1], Is.EqualTo("hmac-sha1"));
        s.ApplyOption("Compression=yes");
        Assert.That(s.Compression, Is.EqualTo(new[] { "zlib@openssh.com", "zlib", "none" }));
        s.ApplyOption("Compression=no");
        Assert.That(s.Compression, Is.EqualTo(new[] { "none" }));
    }

    [TestCase("Ciphers=aes128-ctr,blowfish-cbc", "Unsupported cipher 'blowfish-cbc'")]
    [TestCase("KexAlgorithms=-*", "leaves no key exchange algorithm")]
    [TestCase("Profile=Ancient", "Unknown profile")]
    [TestCase("Frobnicate=yes", "Unknown option")]
    [TestCase("MACs=", "has no value")]
    public void BadOptions_SayWhatIsWrong(string option, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new TransportSettings().ApplyOption(option));
        Assert.That(e!.Message, Does.Contain(message));
    }

    [Test]
    public void DisabledAlgorithms_AsParamiko()
    {
        var s = new TransportSettings { Profile = AlgorithmProfile.Legacy };
        s.UseCompression();
        s.DisableAlgorithms(new Dictionary<string, IEnumerable<string>>
        {
            ["ciphers"] = ["*-cbc"],
            ["macs"] = ["hmac-sha1*"],
            ["kex"] = ["diffie-hellman-group1-sha1"],
            ["keys"] = ["ssh-rsa"],
            ["pubkeys"] = ["rsa-sha2-256"],
            ["compression"] = ["zlib"],
        });
        Assert.That(s.Ciphers, Has.None.EndsWith("-cbc"));
        Assert.That(s.Macs, Has.None.StartsWith("hmac-sha1"));
        Assert.That(s.KexAlgorithms, Has.No.Member("diffie-hellman-group1-sha1"));
        Assert.That(s.HostKeyAlgorithms, Has.No.Member("ssh-rsa"));
        Assert.That(s.PublicKeyAlgorithms, Has.No.Member("rsa-sha2-256"));
        Assert.That(s.Compression, Is.EqualTo(new[] { "zlib@openssh.com", "none" }));
        Assert.Throws<ArgumentException>(() => s.DisableAlgorithms(new Dictionary<string, IEnumerable<string>> { ["hostkeys"] = ["x"] }));
    }
}
