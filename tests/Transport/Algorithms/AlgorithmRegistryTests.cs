using NUnit.Framework;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Tests.Transport.Algorithms;

public class AlgorithmRegistryTests
{
    [Test]
    public void CiphersAreListedInOpenSshPreferenceOrder()
    {
        Assert.That(CipherRegistry.All.Select(c => (c.Name, c.KeySize, c.IvSize, c.IsAead)), Is.EqualTo(new[]
        {
            ("chacha20-poly1305@openssh.com", 64, 0, true),
            ("aes128-gcm@openssh.com", 16, 12, true),
            ("aes256-gcm@openssh.com", 32, 12, true),
            ("aes128-ctr", 16, 16, false),
            ("aes192-ctr", 24, 16, false),
            ("aes256-ctr", 32, 16, false),
            ("aes128-cbc", 16, 16, false),
            ("aes192-cbc", 24, 16, false),
            ("aes256-cbc", 32, 16, false),
            ("3des-cbc", 24, 8, false),
        }));
        Assert.That(CipherRegistry.All.Where(c => !c.IsDefault).Select(c => c.Name), Is.EqualTo(new[] { "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc" }),
            "CBC only on request");
        Assert.That(CipherRegistry.DefaultNames, Is.EqualTo(CipherRegistry.All.Where(c => c.IsDefault).Select(c => c.Name)));
    }

    [Test]
    public void MacsAreListedInOurPreferenceOrder_HmacSha2BeforeUmac_Sha1Last()
    {
        Assert.That(MacRegistry.All.Select(m => (m.Name, m.KeySize, m.Size, m.EncryptThenMac)), Is.EqualTo(new[]
        {
            ("hmac-sha2-256-etm@openssh.com", 32, 32, true),
            ("hmac-sha2-512-etm@openssh.com", 64, 64, true),
            ("umac-128-etm@openssh.com", 16, 16, true),
            ("umac-64-etm@openssh.com", 16, 8, true),
            ("hmac-sha2-256", 32, 32, false),
            ("hmac-sha2-512", 64, 64, false),
            ("umac-128@openssh.com", 16, 16, false),
            ("umac-64@openssh.com", 16, 8, false),
            ("hmac-sha1-etm@openssh.com", 20, 20, true),
            ("hmac-sha1", 20, 20, false),
        }));
        Assert.That(MacRegistry.All.Where(m => !m.IsDefault).Select(m => m.Name), Is.EqualTo(new[] { "hmac-sha1-etm@openssh.com", "hmac-sha1" }),
            "SHA-1 only on request");
        Assert.That(MacRegistry.DefaultNames, Is.EqualTo(MacRegistry.All.Where(m => m.IsDefault).Select(m => m.Name)));
    }

    [Test]
    public void FindKnowsOnlyRegisteredNames()
    {
        Assert.That(CipherRegistry.Find("aes256-ctr")!.Name, Is.EqualTo("aes256-ctr"));
        Assert.That(CipherRegistry.Find("blowfish-cbc"), Is.Null);
        Assert.That(CipherRegistry.Find("AES256-CTR"), Is.Null, "algorithm names are case-sensitive (RFC 4251 §6)");
        Assert.That(MacRegistry.Find("hmac-sha2-512")!.Name, Is.EqualTo("hmac-sha2-512"));
        Assert.That(MacRegistry.Find("hmac-md5"), Is.Null);
    }

    [Test]
    public void CreateRejectsWrongSizesAndAMissingMac()
    {
        foreach (CipherInfo cipher in CipherRegistry.All)
        {
            IMac? mac = cipher.IsAead ? null : MacRegistry.All[0].Create(new byte[32]);
            Assert.Throws<ArgumentException>(() => cipher.Create(new byte[cipher.KeySize + 1], new byte[cipher.IvSize], mac), cipher.Name);
            if (cipher.IvSize > 0)
                Assert.Throws<ArgumentException>(() => cipher.Create(new byte[cipher.KeySize], new byte[cipher.IvSize - 1], mac), cipher.Name);
            mac?.Dispose();
            if (!cipher.IsAead)
                Assert.Throws<ArgumentNullException>(() => cipher.Create(new byte[cipher.KeySize], new byte[cipher.IvSize], null), cipher.Name);
        }
        foreach (MacInfo mac in MacRegistry.All)
            Assert.Throws<ArgumentException>(() => mac.Create(new byte[mac.KeySize - 1]), mac.Name);
    }
}
