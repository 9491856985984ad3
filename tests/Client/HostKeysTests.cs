using NUnit.Framework;
using Ssh.Client;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Client;

public class HostKeysTests
{
    private static readonly SshPublicKey K = PublicKeyFile.Load(TestData.PathOf("ed25519.pub")).Key;
    private static readonly SshPublicKey E = PublicKeyFile.Load(TestData.PathOf("ed25519_encrypted.pub")).Key;

    [Test]
    public void Lookup_ByNameAndBracketedPort()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts"));
        Assert.That(keys.Lookup("example.com")!["ssh-ed25519"], Is.EqualTo(K));
        Assert.That(keys.Lookup("[alt.example]:2222")!["ssh-ed25519"], Is.EqualTo(K));
        Assert.That(keys.Lookup("[example.com]:22")!["ssh-ed25519"], Is.EqualTo(K));
        Assert.That(keys.Lookup("alt.example"), Is.Null);
        Assert.That(keys.Lookup("nowhere.example"), Is.Null);
        Assert.That(keys.Lookup("revoked.example"), Is.Null);
        Assert.That(keys.Lookup("rsa.example")!["ssh-rsa"].KeyType, Is.EqualTo("ssh-rsa"));
        Assert.That(keys.Lookup("weird.example"), Is.Null); // unsupported type: kept, never matched
    }

    [Test]
    public void Check_TrueOnlyForTheRecordedKey()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts"));
        Assert.That(keys.Check("example.com", K), Is.True);
        Assert.That(keys.Check("example.com", E), Is.False);
        Assert.That(keys.Check("revoked.example", K), Is.False);
        Assert.That(keys.CheckDetailed("revoked.example", K).Status, Is.EqualTo(KnownHostsStatus.Revoked));
    }

    [Test]
    public void Add_ReplacesTheSameHostAndType_OtherwiseAppends()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts"));
        int count = keys.Count;
        keys.Add("[alt.example]:2222", "ssh-ed25519", E);
        Assert.That(keys.Count, Is.EqualTo(count));
        Assert.That(keys.Check("[alt.example]:2222", E), Is.True);

        keys.Add("fresh.example", "ssh-ed25519", K);
        Assert.That(keys.Count, Is.EqualTo(count + 1));
        Assert.That(keys.Lookup("fresh.example")!["ssh-ed25519"], Is.EqualTo(K));
        Assert.Throws<ArgumentException>(() => keys.Add("x", "ssh-rsa", K));
    }

    [Test]
    public void Save_ThenLoad_KeepsEverything()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts"));
        keys.Add("fresh.example", "ssh-ed25519", K);
        string path = Path.Combine(Path.GetTempPath(), "hostkeys_" + Guid.NewGuid().ToString("N"));
        try
        {
            keys.Save(path);
            var reloaded = new HostKeys(path);
            Assert.That(reloaded.Count, Is.EqualTo(keys.Count));
            Assert.That(reloaded.Check("fresh.example", K), Is.True);
            Assert.That(File.ReadAllText(path), Does.Contain("weird.example ssh-future-type AAAAB3NzaC1mdXR1cmU= future key"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Clear_EmptiesTheSet()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts"));
        Assert.That(keys.Count, Is.GreaterThan(0));
        keys.Clear();
        Assert.That(keys.Count, Is.Zero);
        Assert.That(keys.Lookup("example.com"), Is.Null);
    }

    [Test]
    public void HashHost_MatchesSshKeygen()
    {
        var keys = new HostKeys(TestData.PathOf("known_hosts_hashed"));
        string hosts = keys.Entries[1].Hosts;
        byte[] salt = Convert.FromBase64String(hosts.Split('|')[2]);
        Assert.That(HostKeys.HashHost("[hashed.example]:2222", salt), Is.EqualTo(hosts));
        Assert.That(keys.Check("[hashed.example]:2222", E), Is.True);
    }

    [Test]
    public void SaveHostKeys_round_trips_a_file_keeping_comments_markers_hashes_and_order()
    {
        string original = "# fleet hosts\n\n" + File.ReadAllText(TestData.PathOf("known_hosts")) + File.ReadAllText(TestData.PathOf("known_hosts_hashed")) +
                          "garbage line that is not a key\n   \n@cert-authority *.corp " + K.ToOpenSshString() + " the CA\n";
        string dir = Directory.CreateTempSubdirectory("sshcs-kh-").FullName;
        try
        {
            string path = Path.Combine(dir, "known_hosts");
            File.WriteAllText(path, original);
            var client = new SshClient();
            client.LoadHostKeys(path);
            client.SaveHostKeys(path);
            Assert.That(File.ReadAllText(path), Is.EqualTo(original), "nothing lost or reordered");

            client.GetHostKeys().HashHostNames = true;
            new AutoAddPolicy().MissingHostKey(client, "[new.example]:2200", E);
            string saved = File.ReadAllText(path);
            Assert.That(saved, Does.StartWith(original));
            string added = saved[original.Length..].TrimEnd('\n');
            Assert.That(added, Does.StartWith("|1|").And.EndWith(E.ToOpenSshString()), "the new line is hashed, as HashKnownHosts");
            Assert.That(added, Does.Not.Contain("new.example"));
            Assert.That(new HostKeys(path).Check("[new.example]:2200", E), Is.True);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Certificate_authority_and_revoked_lines_are_written_as_known_hosts_lines()
    {
        var keys = new HostKeys();
        keys.AddCertificateAuthority("*.example.org,!bad.example.org", K);
        keys.AddRevoked("*", E);
        string path = Path.GetTempFileName();
        try
        {
            keys.Save(path);
            Assert.That(File.ReadAllLines(path), Is.EqualTo(new[]
            {
                "@cert-authority *.example.org,!bad.example.org " + K.ToOpenSshString(),
                "@revoked * " + E.ToOpenSshString(),
            }));
            var loaded = new HostKeys(path);
            Assert.That(loaded.LookupEntries("www.example.org").Select(e => e.Marker), Is.EquivalentTo(new[] { KnownHostMarker.CertAuthority, KnownHostMarker.Revoked }));
            Assert.That(loaded.LookupEntries("bad.example.org").Select(e => e.Marker), Is.EqualTo(new[] { KnownHostMarker.Revoked }));
            Assert.That(loaded.CheckDetailed("any.host", E).Status, Is.EqualTo(KnownHostsStatus.Revoked));
            Assert.Throws<ArgumentException>(() => keys.AddCertificateAuthority("a b", K));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test, CancelAfter(10_000)]
    public void ConcurrentUse_IsSafe()
    {
        var keys = new HostKeys();
        Parallel.For(0, 200, i =>
        {
            keys.Add($"h{i % 20}.example", "ssh-ed25519", i % 2 == 0 ? K : E);
            keys.Check($"h{i % 20}.example", K);
            keys.Lookup($"h{(i + 1) % 20}.example");
        });
        Assert.That(keys.Count, Is.EqualTo(20));
    }
}
