using System.Net;
using System.Text;
using NUnit.Framework;
using Ssh.Transport.Keys;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.Keys;

/// <summary>OpenSSH certificates (PROTOCOL.certkeys): the ones in TestData were made by <c>ssh-keygen -s</c>.</summary>
public class SshCertificateTests
{
    private static readonly DateTimeOffset InWindow = new(2030, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static SshCertificate Load(string name) => (SshCertificate)PublicKeyFile.Load(TestData.PathOf(name)).Key;

    [Test]
    public void A_user_certificate_made_by_ssh_keygen_reads_as_ssh_keygen_lists_it()
    {
        SshCertificate cert = Load("user_ed25519-cert.pub");
        SshPublicKey ca = PublicKeyFile.Load(TestData.PathOf("ca_ed25519.pub")).Key;

        Assert.That(cert.KeyType, Is.EqualTo("ssh-ed25519-cert-v01@openssh.com"));
        Assert.That(cert.CertificateType, Is.EqualTo(SshCertificateType.User));
        Assert.That(cert.Key, Is.EqualTo(PublicKeyFile.Load(TestData.PathOf("ed25519.pub")).Key));
        Assert.That(cert.SignatureKey, Is.EqualTo(ca));
        Assert.That(cert.SignatureAlgorithm, Is.EqualTo("ssh-ed25519"));
        Assert.That(cert.KeyId, Is.EqualTo("alice@test"));
        Assert.That(cert.Serial, Is.EqualTo(42UL));
        Assert.That(cert.ValidPrincipals, Is.EqualTo(new[] { "alice", "bob" }));
        Assert.That(cert.ValidAfter, Is.EqualTo(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(cert.ValidBefore, Is.EqualTo(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(cert.CriticalOptions, Is.Empty);
        Assert.That(cert.Extensions.Select(e => e.Name), Is.EqualTo(SshCertificateBuilder.DefaultUserExtensions.OrderBy(n => n, StringComparer.Ordinal)));
        // ssh-keygen -l fingerprints a certificate by its key.
        Assert.That(cert.GetFingerprint(), Is.EqualTo("SHA256:fUzHX5hxFR+l0V3RYDouxOKTxzV50HutatS8PdGACuc"));
        Assert.That(cert.SignatureAlgorithms, Is.EqualTo(new[] { "ssh-ed25519-cert-v01@openssh.com" }));
    }

    [Test]
    public void An_rsa_certificate_with_critical_options_reads_them()
    {
        SshCertificate cert = Load("rsa2048_opts-cert.pub");

        Assert.That(cert.KeyType, Is.EqualTo("ssh-rsa-cert-v01@openssh.com"));
        Assert.That(cert.SignatureAlgorithm, Is.EqualTo("rsa-sha2-512"));
        Assert.That(cert.ForceCommand, Is.EqualTo("echo forced"));
        Assert.That(cert.SourceAddress, Is.EqualTo("127.0.0.1/32,10.0.0.0/8"));
        Assert.That(cert.HasExtension("permit-pty"), Is.True);
        Assert.That(cert.HasExtension("permit-port-forwarding"), Is.False);
        Assert.That(cert.SignatureAlgorithms, Is.EqualTo(new[] { "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com" }));
    }

    [Test]
    public void The_listing_matches_ssh_keygen_L()
    {
        string text = Load("rsa2048_opts-cert.pub").ToString();
        Assert.That(text, Does.Contain("Type: ssh-rsa-cert-v01@openssh.com user certificate"));
        Assert.That(text, Does.Contain("Signing CA: ssh-rsa SHA256:hfN0peDs7ps2RwS15qV7IjyTpWkotYds7ox7mw4fp3Y (using rsa-sha2-512)"));
        Assert.That(text, Does.Contain("Valid: from 2020-01-01T00:00:00 to 2100-01-01T00:00:00"));
        Assert.That(text, Does.Contain("force-command echo forced"));
    }

    [TestCase("alice", true)]
    [TestCase("bob", true)]
    [TestCase("mallory", false)]
    public void A_user_certificate_is_valid_for_its_principals_only(string user, bool valid)
    {
        Assert.That(Load("user_ed25519-cert.pub").Validate(SshCertificateType.User, user, out string? reason, now: InWindow), Is.EqualTo(valid), reason);
    }

    [Test]
    public void Outside_its_window_or_as_the_wrong_type_a_certificate_is_invalid()
    {
        SshCertificate cert = Load("user_ed25519-cert.pub");
        Assert.That(cert.Validate(SshCertificateType.User, "alice", out string? reason, now: new DateTimeOffset(2019, 12, 31, 23, 59, 59, TimeSpan.Zero)), Is.False);
        Assert.That(reason, Does.Contain("not yet valid"));
        Assert.That(cert.Validate(SshCertificateType.User, "alice", out reason, now: new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero)), Is.False);
        Assert.That(reason, Does.Contain("expired"));
        Assert.That(cert.Validate(SshCertificateType.Host, "alice", out reason, now: InWindow), Is.False);
        Assert.That(reason, Does.Contain("not a host certificate"));
    }

    [TestCase("127.0.0.1", true)]
    [TestCase("10.20.30.40", true)]
    [TestCase("::ffff:10.1.2.3", true)]
    [TestCase("192.168.1.1", false)]
    [TestCase("::1", false)]
    public void Source_address_is_checked_against_the_client(string address, bool valid)
    {
        SshCertificate cert = Load("rsa2048_opts-cert.pub");
        Assert.That(cert.Validate(SshCertificateType.User, "deploy", out string? reason, IPAddress.Parse(address), InWindow), Is.EqualTo(valid), reason);
    }

    [Test]
    public void Source_address_without_a_client_address_refuses()
    {
        Assert.That(Load("rsa2048_opts-cert.pub").Validate(SshCertificateType.User, "deploy", out string? reason, now: InWindow), Is.False);
        Assert.That(reason, Does.Contain("source-address"));
    }

    [TestCase("host.example", true)]
    [TestCase("HOST.example", true)]
    [TestCase("www.example.org", true)]
    [TestCase("example.org", false)]
    [TestCase("other.example", false)]
    public void A_host_certificate_matches_its_principals_as_patterns(string host, bool valid)
    {
        SshCertificate cert = Load("host_ecdsa256-cert.pub");
        Assert.That(cert.CertificateType, Is.EqualTo(SshCertificateType.Host));
        Assert.That(cert.SignatureAlgorithm, Is.EqualTo("ecdsa-sha2-nistp384"));
        Assert.That(cert.Validate(SshCertificateType.Host, host, out string? reason, now: InWindow), Is.EqualTo(valid), reason);
    }

    [Test]
    public void Without_principals_a_host_certificate_fits_any_host_and_a_user_certificate_no_user()
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        SshCertificate host = new SshCertificateBuilder(key.PublicKey, SshCertificateType.Host, "h").Sign(ca);
        SshCertificate user = new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "u").Sign(ca);
        Assert.That(host.Validate(SshCertificateType.Host, "anything.example", out _), Is.True);
        Assert.That(user.Validate(SshCertificateType.User, "root", out string? reason), Is.False);
        Assert.That(reason, Does.Contain("principal"));
    }

    [Test]
    public void An_unknown_critical_option_makes_a_user_certificate_invalid_and_any_one_a_host_certificate()
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        var builder = new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "u") { Principals = { "u" } };
        builder.CriticalOptions["verify-everything@example.com"] = "";
        Assert.That(builder.Sign(ca).Validate(SshCertificateType.User, "u", out string? reason), Is.False);
        Assert.That(reason, Does.Contain("verify-everything@example.com"));

        var host = new SshCertificateBuilder(key.PublicKey, SshCertificateType.Host, "h");
        host.CriticalOptions["force-command"] = "true";
        Assert.That(host.Sign(ca).Validate(SshCertificateType.Host, "h", out reason), Is.False);
    }

    [TestCase("ed25519")]
    [TestCase("ecdsa521")]
    [TestCase("rsa2048")]
    public void A_certificate_we_sign_round_trips_and_presents_its_key(string keyName)
    {
        using SshPrivateKey ca = SshPrivateKey.FromFile(TestData.PathOf("ca_rsa"));
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf(keyName));
        var builder = new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "id-1")
        {
            Serial = 99,
            Principals = { "carol" },
            ValidAfter = DateTimeOffset.UtcNow.AddMinutes(-5),
            ValidBefore = DateTimeOffset.UtcNow.AddHours(1),
        };
        builder.CriticalOptions["force-command"] = "uptime";
        SshCertificate cert = builder.Sign(ca, "rsa-sha2-256");

        var reparsed = (SshCertificate)SshPublicKey.FromBlob(cert.GetBlob());
        Assert.That(reparsed, Is.EqualTo(cert));
        Assert.That(reparsed.SignatureAlgorithm, Is.EqualTo("rsa-sha2-256"));
        Assert.That(reparsed.ForceCommand, Is.EqualTo("uptime"));
        Assert.That(reparsed.Validate(SshCertificateType.User, "carol", out string? reason), Is.True, reason);

        SshPrivateKey certified = key.WithCertificate(cert);
        Assert.That(certified.PublicKey, Is.SameAs(cert));
        byte[] data = Encoding.ASCII.GetBytes("session id and request");
        string algorithm = cert.SignatureAlgorithms[^1];
        byte[] signature = certified.Sign(data, algorithm);
        // The signature carries the plain algorithm (PROTOCOL.certkeys) and verifies with the certificate.
        Assert.That(SshPublicKey.SignatureAlgorithmOf(signature), Is.EqualTo(SshCertificate.PlainAlgorithm(algorithm)));
        Assert.That(cert.Verify(data, signature), Is.True);
    }

    [Test]
    public void A_certificate_for_another_key_is_refused()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("ecdsa256"));
        Assert.Throws<ArgumentException>(() => key.LoadCertificate(TestData.PathOf("user_ed25519-cert.pub")));
    }

    [Test]
    public void LoadCertificate_pairs_the_key_file_with_its_cert_file()
    {
        using SshPrivateKey key = SshPrivateKey.FromFile(TestData.PathOf("ed25519"));
        SshPrivateKey certified = key.LoadCertificate(TestData.PathOf("user_ed25519-cert.pub"));
        Assert.That(certified.PublicKey.KeyType, Is.EqualTo("ssh-ed25519-cert-v01@openssh.com"));
        Assert.That(certified.Comment, Is.EqualTo(key.Comment));
    }

    [Test]
    public void A_forged_certificate_is_refused_whatever_byte_changes()
    {
        byte[] blob = Load("user_ed25519-cert.pub").GetBlob();
        for (int i = 40; i < blob.Length; i += 7)
        {
            byte[] forged = (byte[])blob.Clone();
            forged[i] ^= 0x01;
            Assert.That(() => SshPublicKey.FromBlob(forged), Throws.InstanceOf<FormatException>().Or.InstanceOf<NotSupportedException>(), $"byte {i}");
        }
    }

    [Test]
    public void Every_truncated_prefix_is_a_format_error()
    {
        byte[] blob = Load("rsa2048_opts-cert.pub").GetBlob();
        for (int length = 0; length < blob.Length; length++)
            Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob.AsSpan(0, length)), $"prefix of {length}");
    }

    [Test]
    public void A_certificate_signed_by_a_certificate_is_refused()
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        SshPrivateKey certifiedCa = ca.WithCertificate(new SshCertificateBuilder(ca.PublicKey, SshCertificateType.User, "ca").Sign(ca));
        Assert.Throws<ArgumentException>(() => new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "x").Sign(certifiedCa));

        // Built by hand: the signature key field holding a certificate.
        byte[] tbs = SshCertificate.Encode(key.PublicKey, new byte[16], 0, SshCertificateType.User, "x", ["x"], 0, ulong.MaxValue, [], [], certifiedCa.PublicKey);
        byte[] blob = new SshBuffer().WriteBytes(tbs).WriteString(ca.Sign(tbs)).ToArray();
        var error = Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob));
        Assert.That(error!.Message, Does.Contain("chained"));
    }

    [Test]
    public void Duplicate_options_are_refused()
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        byte[] command = new SshBuffer().WriteString("true").ToArray();
        var twice = new[] { new SshCertificateOption("force-command", command), new SshCertificateOption("force-command", command) };
        byte[] tbs = SshCertificate.Encode(key.PublicKey, new byte[16], 0, SshCertificateType.User, "x", ["x"], 0, ulong.MaxValue, twice, [], ca.PublicKey);
        byte[] blob = new SshBuffer().WriteBytes(tbs).WriteString(ca.Sign(tbs)).ToArray();
        Assert.Throws<FormatException>(() => SshPublicKey.FromBlob(blob));
    }

    [Test]
    public void The_builder_refuses_what_OpenSSH_would_not_sign()
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var key = Ed25519PrivateKey.Generate();
        var empty = new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "x") { ValidAfter = DateTimeOffset.UtcNow, ValidBefore = DateTimeOffset.UtcNow.AddHours(-1) };
        Assert.Throws<ArgumentException>(() => empty.Sign(ca));
        var badSource = new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "x");
        badSource.CriticalOptions["source-address"] = "10.0.0.1/8";
        Assert.Throws<ArgumentException>(() => badSource.Sign(ca));
        Assert.Throws<NotSupportedException>(() => new SshCertificateBuilder(key.PublicKey, SshCertificateType.User, "x").Sign(ca, "rsa-sha2-512"));
    }
}
