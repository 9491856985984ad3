using System.Net;
using NUnit.Framework;
using Ssh.Server.Sessions;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Server;

/// <summary>How the built-in server decides a key: authorized_keys options, trusted CAs, revoked keys.</summary>
public sealed class ServerAccountsTests
{
    private static readonly IPAddress Loopback = IPAddress.Loopback;
    private static readonly Ed25519PrivateKey Ca = Ed25519PrivateKey.Generate();
    private static readonly Ed25519PrivateKey User = Ed25519PrivateKey.Generate();

    private static SshCertificate Certificate(Action<SshCertificateBuilder>? configure = null, params string[] principals)
    {
        var builder = new SshCertificateBuilder(User.PublicKey, SshCertificateType.User, "test");
        foreach (string p in principals) builder.Principals.Add(p);
        configure?.Invoke(builder);
        return builder.Sign(Ca);
    }

    private static ServerAccounts Accounts(string authorizedKeys)
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, authorizedKeys);
            var accounts = new ServerAccounts().AddUser("alice", "pw").AddUser("bob");
            Assert.That(accounts.AddAuthorizedKeysFile(path), Is.Empty);
            return accounts;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Line(string options, SshPublicKey key) => (options.Length > 0 ? options + " " : "") + key.ToOpenSshString("k") + "\n";

    [Test]
    public void A_key_logs_in_with_its_options_as_permissions()
    {
        var accounts = Accounts(Line("command=\"uptime\",no-pty,permitopen=\"db:5432\"", User.PublicKey));
        SessionPermissions? p = accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out string? refusal);
        Assert.That(p, Is.Not.Null, refusal);
        Assert.That(p!.ForceCommand, Is.EqualTo("uptime"));
        Assert.That(p.Pty, Is.False);
        Assert.That(p.AllowsOpen("db", 5432), Is.True);
        Assert.That(p.AllowsOpen("db", 5433), Is.False);
        Assert.That(p.AllowsOpen("other", 5432), Is.False);
        Assert.That(p.AllowsListen("127.0.0.1", 8080), Is.True);
        Assert.That(accounts.AuthorizePublicKey("mallory", User.PublicKey, Loopback, out refusal), Is.Null);
    }

    [Test]
    public void From_and_expiry_time_are_enforced()
    {
        var accounts = Accounts(Line("from=\"10.1.0.0/16\"", User.PublicKey));
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out string? refusal), Is.Null);
        Assert.That(refusal, Does.Contain("from="));
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, IPAddress.Parse("10.1.2.3"), out _), Is.Not.Null);
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, null, out _), Is.Null, "no address, no from= match");

        var expired = Accounts(Line("expiry-time=\"20200101\"", User.PublicKey));
        Assert.That(expired.AuthorizePublicKey("alice", User.PublicKey, Loopback, out refusal), Is.Null);
        Assert.That(refusal, Does.Contain("expired"));
    }

    [Test]
    public void Environment_applies_only_when_permitted()
    {
        var accounts = Accounts(Line("environment=\"FOO=bar\"", User.PublicKey));
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out _)!.Environment, Is.Empty);
        accounts.PermitUserEnvironment = true;
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out _)!.Environment.Single().Key, Is.EqualTo("FOO"));
    }

    [Test]
    public void A_trusted_CA_lets_in_its_certificates_for_their_principals_with_their_options()
    {
        var accounts = new ServerAccounts().AddUser("alice", "pw").AddUser("bob").AddTrustedUserCaKey(Ca.PublicKey);
        SshCertificate cert = Certificate(b =>
        {
            b.CriticalOptions["force-command"] = "backup";
            b.CriticalOptions["source-address"] = "127.0.0.0/8";
            b.Extensions.Remove("permit-pty");
        }, "alice");
        SessionPermissions? p = accounts.AuthorizePublicKey("alice", cert, Loopback, out string? refusal);
        Assert.That(p, Is.Not.Null, refusal);
        Assert.That(p!.ForceCommand, Is.EqualTo("backup"));
        Assert.That(p.Pty, Is.False);
        Assert.That(p.PortForwarding, Is.True);
        Assert.That(accounts.AuthorizePublicKey("bob", cert, Loopback, out refusal), Is.Null, "bob is not a principal");
        Assert.That(accounts.AuthorizePublicKey("alice", cert, IPAddress.Parse("192.0.2.1"), out refusal), Is.Null);
        Assert.That(refusal, Does.Contain("source-address"));
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out _), Is.Null, "the plain key is not authorized");
    }

    [Test]
    public void An_expired_or_untrusted_certificate_is_refused()
    {
        var accounts = new ServerAccounts().AddUser("alice", "pw").AddTrustedUserCaKey(Ca.PublicKey);
        SshCertificate expired = Certificate(b =>
        {
            b.ValidAfter = DateTimeOffset.UtcNow.AddDays(-2);
            b.ValidBefore = DateTimeOffset.UtcNow.AddDays(-1);
        }, "alice");
        Assert.That(accounts.AuthorizePublicKey("alice", expired, Loopback, out string? refusal), Is.Null);
        Assert.That(refusal, Does.Contain("expired"));

        using var otherCa = Ed25519PrivateKey.Generate();
        SshCertificate foreign = new SshCertificateBuilder(User.PublicKey, SshCertificateType.User, "x") { Principals = { "alice" } }.Sign(otherCa);
        Assert.That(accounts.AuthorizePublicKey("alice", foreign, Loopback, out refusal), Is.Null);
        Assert.That(refusal, Does.Contain("not trusted"));
    }

    [Test]
    public void A_cert_authority_line_narrows_the_certificate_and_names_its_principals()
    {
        var accounts = Accounts(Line("cert-authority,principals=\"deploy\",no-port-forwarding,from=\"127.0.0.1\"", Ca.PublicKey));
        SshCertificate cert = Certificate(null, "deploy");
        SessionPermissions? p = accounts.AuthorizePublicKey("bob", cert, Loopback, out string? refusal);
        Assert.That(p, Is.Not.Null, refusal);
        Assert.That(p!.PortForwarding, Is.False, "the line takes away what the certificate grants");
        Assert.That(p.Pty, Is.True);
        Assert.That(accounts.AuthorizePublicKey("bob", Certificate(null, "bob"), Loopback, out refusal), Is.Null, "bob is not in principals=");
        Assert.That(accounts.AuthorizePublicKey("bob", cert, IPAddress.Parse("10.0.0.9"), out _), Is.Null, "from=");
    }

    [Test]
    public void Two_different_forced_commands_refuse_the_certificate()
    {
        var accounts = Accounts(Line("cert-authority,command=\"a\"", Ca.PublicKey));
        SshCertificate cert = Certificate(b => b.CriticalOptions["force-command"] = "b", "alice");
        Assert.That(accounts.AuthorizePublicKey("alice", cert, Loopback, out string? refusal), Is.Null);
        Assert.That(refusal, Does.Contain("force-command"));
        SshCertificate same = Certificate(b => b.CriticalOptions["force-command"] = "a", "alice");
        Assert.That(accounts.AuthorizePublicKey("alice", same, Loopback, out _)!.ForceCommand, Is.EqualTo("a"));
    }

    [Test]
    public void Revoked_keys_and_CAs_never_log_in()
    {
        var accounts = Accounts(Line("", User.PublicKey)).AddTrustedUserCaKey(Ca.PublicKey);
        SshCertificate cert = Certificate(null, "alice");
        Assert.That(accounts.AuthorizePublicKey("alice", cert, Loopback, out _), Is.Not.Null);
        accounts.RevokeKey(Ca.PublicKey);
        Assert.That(accounts.AuthorizePublicKey("alice", cert, Loopback, out string? refusal), Is.Null);
        Assert.That(refusal, Does.Contain("CA is revoked"));
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out _), Is.Not.Null);
        accounts.RevokeKey(User.PublicKey);
        Assert.That(accounts.AuthorizePublicKey("alice", User.PublicKey, Loopback, out refusal), Is.Null);
        Assert.That(refusal, Does.Contain("revoked"));
    }
}
