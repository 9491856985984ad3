using NUnit.Framework;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Transport.Keys;

public class AuthorizedKeyOptionsTests
{
    private static readonly string Key = File.ReadAllText(TestData.PathOf("ed25519.pub")).Trim();

    [Test]
    public void Every_option_of_sshd_8_is_read()
    {
        var o = AuthorizedKeyOptions.Parse(
            "command=\"echo \\\"hi\\\"\",from=\"10.0.0.0/8,!10.0.0.1\",no-pty,No-Port-Forwarding,no-agent-forwarding,no-X11-forwarding," +
            "no-user-rc,permitopen=\"db.internal:5432\",permitopen=\"[::1]:*\",permitlisten=\"8080\",permitlisten=\"localhost:9000\"," +
            "environment=\"LANG=C.UTF-8\",expiry-time=\"20991231Z\",no-touch-required");
        Assert.That(o.Command, Is.EqualTo("echo \"hi\""));
        Assert.That(o.From, Is.EqualTo("10.0.0.0/8,!10.0.0.1"));
        Assert.That(o.PermitPty, Is.False);
        Assert.That(o.PermitPortForwarding, Is.False);
        Assert.That(o.PermitAgentForwarding, Is.False);
        Assert.That(o.PermitX11Forwarding, Is.False);
        Assert.That(o.PermitUserRc, Is.False);
        Assert.That(o.PermitOpen, Is.EqualTo(new[] { "db.internal:5432", "[::1]:*" }));
        Assert.That(o.PermitListen, Is.EqualTo(new[] { "8080", "localhost:9000" }));
        Assert.That(o.Environment.Single(), Is.EqualTo(new KeyValuePair<string, string>("LANG", "C.UTF-8")));
        Assert.That(o.ExpiryTime, Is.EqualTo(new DateTimeOffset(2099, 12, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(o.IsExpired(DateTimeOffset.UtcNow), Is.False);
        Assert.That(o.IsExpired(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero)), Is.True);
    }

    [Test]
    public void Restrict_turns_everything_off_until_reenabled()
    {
        var o = AuthorizedKeyOptions.Parse("restrict,pty,agent-forwarding");
        Assert.That(o.Restrict, Is.True);
        Assert.That(o.PermitPty, Is.True);
        Assert.That(o.PermitAgentForwarding, Is.True);
        Assert.That(o.PermitPortForwarding, Is.False);
        Assert.That(o.PermitX11Forwarding, Is.False);
        Assert.That(o.PermitUserRc, Is.False);
        Assert.That(AuthorizedKeyOptions.None.PermitPortForwarding, Is.True);
    }

    [Test]
    public void A_cert_authority_line_with_principals()
    {
        var o = AuthorizedKeyOptions.Parse("cert-authority,principals=\"deploy,ops\"");
        Assert.That(o.CertAuthority, Is.True);
        Assert.That(o.Principals, Is.EqualTo(new[] { "deploy", "ops" }));
    }

    [TestCase("expiry-time=\"202001011230\"")]
    [TestCase("expiry-time=\"20200101123059\"")]
    public void Local_times_are_read(string option) =>
        Assert.That(AuthorizedKeyOptions.Parse(option).ExpiryTime!.Value.Year, Is.EqualTo(2020));

    [TestCase("frobnicate")]
    [TestCase("command=unquoted")]
    [TestCase("command=\"open")]
    [TestCase("no-pty,")]
    [TestCase("no-pty,,pty")]
    [TestCase("expiry-time=\"2020\"")]
    [TestCase("environment=\"=x\"")]
    [TestCase("environment=\"A B=x\"")]
    [TestCase("permitopen=\"nohost\"")]
    [TestCase("permitopen=\"h:99999\"")]
    [TestCase("permitlisten=\"h:port\"")]
    [TestCase("command=\"a\",command=\"b\"")]
    public void Malformed_options_are_refused(string text) =>
        Assert.Throws<FormatException>(() => AuthorizedKeyOptions.Parse(text));

    [Test]
    public void A_line_with_bad_options_is_skipped_with_a_warning_naming_it()
    {
        var file = AuthorizedKeysFile.Parse($"no-pty {Key}\nfrobnicate {Key}\ncert-authority {Key}\n", "/home/u/.ssh/authorized_keys");
        Assert.That(file.Keys.Select(k => k.LineNumber), Is.EqualTo(new[] { 1, 3 }));
        Assert.That(file.Keys[0].Options.PermitPty, Is.False);
        Assert.That(file.Keys[1].Options.CertAuthority, Is.True);
        Assert.That(file.Warnings.Single(), Does.StartWith("/home/u/.ssh/authorized_keys: line 2: bad options").And.Contain("frobnicate"));
    }

    [TestCase("host:22", "host", "22")]
    [TestCase("[::1]:*", "::1", "*")]
    [TestCase("8080", null, "8080")]
    public void Host_and_port_split(string text, string? host, string port)
    {
        Assert.That(AuthorizedKeyOptions.TrySplitHostPort(text, out string? h, out string p), Is.True);
        Assert.That((h, p), Is.EqualTo((host, port)));
    }
}
