using NUnit.Framework;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

public class KnownHostsTests
{
    private static readonly SshPublicKey K = PublicKeyFile.Load(TestData.PathOf("ed25519.pub")).Key;
    private static readonly SshPublicKey E = PublicKeyFile.Load(TestData.PathOf("ed25519_encrypted.pub")).Key;

    private static KnownHostsFile Fixture() => KnownHostsFile.Load(TestData.PathOf("known_hosts"));

    [TestCase("example.com", 22)]
    [TestCase("EXAMPLE.com", 22)]
    [TestCase("192.0.2.10", 22)]
    [TestCase("alt.example", 2222)]
    public void PlainEntries_Match(string host, int port)
    {
        KnownHostsMatch result = Fixture().Check(host, port, K);
        Assert.That(result.Status, Is.EqualTo(KnownHostsStatus.Match));
        Assert.That(result.Entry!.Key, Is.EqualTo(K));
    }

    [Test]
    public void DifferentKeyOfTheSameType_IsAMismatchThatListsTheExpectedKey()
    {
        KnownHostsMatch result = Fixture().Check("example.com", 22, E);
        Assert.That(result.Status, Is.EqualTo(KnownHostsStatus.Mismatch));
        Assert.That(result.KnownKeys, Is.EqualTo(new[] { K }));
    }

    [TestCase("unknown.example", 22)]
    [TestCase("example.com", 2222)]   // a port other than 22 only matches [host]:port entries
    [TestCase("alt.example", 22)]
    [TestCase("rsa.example", 22)]     // only an unsupported key type on record
    [TestCase("x.ca.example", 22)]    // @cert-authority keys are not host keys
    public void NoEntry_IsNotFound(string host, int port)
    {
        Assert.That(Fixture().Check(host, port, E).Status, Is.EqualTo(KnownHostsStatus.NotFound));
    }

    [TestCase("a.wild.example", KnownHostsStatus.Match)]
    [TestCase("deep.sub.wild.example", KnownHostsStatus.Match)]
    [TestCase("bad.wild.example", KnownHostsStatus.NotFound)] // negated
    [TestCase("wild.example", KnownHostsStatus.NotFound)]
    public void Wildcards_AndNegation(string host, KnownHostsStatus expected)
    {
        Assert.That(Fixture().Check(host, 22, E).Status, Is.EqualTo(expected));
    }

    [Test]
    public void RevokedKey_IsReportedAsRevoked()
    {
        KnownHostsMatch result = Fixture().Check("revoked.example", 22, K);
        Assert.That(result.Status, Is.EqualTo(KnownHostsStatus.Revoked));
        Assert.That(result.Entry!.Marker, Is.EqualTo(KnownHostMarker.Revoked));
    }

    [Test]
    public void RevokedBeatsAPlainMatch()
    {
        KnownHostsFile file = KnownHostsFile.Parse($"@revoked * {K.ToOpenSshString()}\nhost.example {K.ToOpenSshString()}\n");
        Assert.That(file.Check("host.example", 22, K).Status, Is.EqualTo(KnownHostsStatus.Revoked));
    }

    [Test]
    public void Markers_AndUnsupportedTypes_AreParsedAndKept()
    {
        KnownHostsFile file = Fixture();
        Assert.That(file.Warnings, Is.Empty);
        Assert.That(file.Entries, Has.Count.EqualTo(7));
        KnownHostEntry ca = file.Entries.Single(e => e.Marker == KnownHostMarker.CertAuthority);
        Assert.That(ca.Hosts, Is.EqualTo("*.ca.example"));
        Assert.That(ca.Key, Is.EqualTo(E));
        KnownHostEntry future = file.Entries.Single(e => e.KeyType == "ssh-future-type");
        Assert.That(future.Key, Is.Null);
        Assert.That(future.Comment, Is.EqualTo("future key"));
        Assert.That(future.LineNumber, Is.EqualTo(9));
        Assert.That(file.Entries.Single(e => e.KeyType == "ssh-rsa").Key, Is.InstanceOf<RsaPublicKey>());
    }

    [TestCase("hashed.example", 22, true)]
    [TestCase("hashed.example", 2222, false)]
    [TestCase("other.example", 22, null)]
    public void HashedEntries_MatchByHashingTheName(string host, int port, bool? isK)
    {
        KnownHostsFile file = KnownHostsFile.Load(TestData.PathOf("known_hosts_hashed"));
        Assert.That(file.Entries.All(e => e.IsHashed), Is.True);
        KnownHostsStatus expected = isK is null ? KnownHostsStatus.NotFound : KnownHostsStatus.Match;
        Assert.That(file.Check(host, port, isK == false ? E : K).Status, Is.EqualTo(expected));
        if (isK == true)
            Assert.That(file.Check(host, port, E).Status, Is.EqualTo(KnownHostsStatus.Mismatch));
    }

    [Test]
    public void HashHostName_ReproducesSshKeygensHash()
    {
        string hosts = KnownHostsFile.Load(TestData.PathOf("known_hosts_hashed")).Entries[0].Hosts;
        byte[] salt = Convert.FromBase64String(hosts.Split('|')[2]);
        Assert.That(KnownHostEntry.HashHostName("hashed.example", salt), Is.EqualTo(hosts));
    }

    [Test]
    public void Save_WithoutChanges_ReproducesTheFileExactly()
    {
        string original = TestData.Read("known_hosts");
        Assert.That(Fixture().ToString(), Is.EqualTo(original));
    }

    [Test]
    public void Add_AppendsAndKeepsEveryOtherLineVerbatim()
    {
        string original = TestData.Read("known_hosts");
        KnownHostsFile file = Fixture();
        file.Add("New.Example", 2200, E, comment: "added");
        file.Add("secret.example", 22, E, hashHostName: true);

        string path = Path.Combine(Path.GetTempPath(), "known_hosts_" + Guid.NewGuid().ToString("N"));
        try
        {
            file.Save(path);
            string saved = File.ReadAllText(path);
            Assert.That(saved, Does.StartWith(original));
            string[] added = saved[original.Length..].TrimEnd('\n').Split('\n');
            Assert.That(added[0], Is.EqualTo("[new.example]:2200 " + E.ToOpenSshString("added")));
            Assert.That(added[1], Does.StartWith("|1|").And.Not.Contain("secret"));

            KnownHostsFile reloaded = KnownHostsFile.Load(path);
            Assert.That(reloaded.Check("new.example", 2200, E).Status, Is.EqualTo(KnownHostsStatus.Match));
            Assert.That(reloaded.Check("secret.example", 22, E).Status, Is.EqualTo(KnownHostsStatus.Match));
            Assert.That(reloaded.Entries.Single(e => e.KeyType == "ssh-future-type").Key, Is.Null);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void BadLines_AreWarnedAboutKeptAndIgnored()
    {
        string text = "host1 ssh-ed25519 !!notbase64!!\n@bogus host2 " + K.ToOpenSshString() + "\nhost3 ssh-ed25519\r\n"
            + "host4 " + K.ToOpenSshString() + "\n";
        KnownHostsFile file = KnownHostsFile.Parse(text);
        Assert.That(file.Warnings, Has.Count.EqualTo(3));
        Assert.That(file.Warnings[1], Does.StartWith("line 2:").And.Contain("@bogus"));
        Assert.That(file.Entries, Has.Count.EqualTo(1));
        Assert.That(file.Check("host4", 22, K).Status, Is.EqualTo(KnownHostsStatus.Match));
        Assert.That(file.ToString(), Is.EqualTo(text.Replace("\r", "")));
    }

    [Test]
    public void Remove_DropsTheHostsUnmarkedEntries()
    {
        KnownHostsFile file = Fixture();
        Assert.That(file.Remove("example.com"), Is.EqualTo(1));
        Assert.That(file.Check("example.com", 22, K).Status, Is.EqualTo(KnownHostsStatus.NotFound));
        Assert.That(file.Check("revoked.example", 22, K).Status, Is.EqualTo(KnownHostsStatus.Revoked));
    }
}
