using NUnit.Framework;
using Ssh.Client;

namespace Ssh.Tests.Client;

[TestFixture]
public sealed class SshConfigTests
{
    private const string Sample = """
        # global defaults come last in practice, but the first value wins
        Host web*.example.com !web9.example.com
            User deploy
            Port 2200
            IdentityFile ~/.ssh/web_ed25519

        Host db
            HostName db.internal.%h.example.com
            User=dba
            IdentityFile "/keys/db key"

        Match exec "true"
            User matched-should-not-apply

        Host *
            User fallback
            Port 22
            IdentityFile ~/.ssh/id_ed25519
            ServerAliveInterval 15
        """;

    [Test]
    public void First_value_wins_and_list_keywords_accumulate()
    {
        SshConfigEntry entry = SshConfig.Parse(Sample).Lookup("web1.example.com");
        Assert.That(entry.User, Is.EqualTo("deploy"));
        Assert.That(entry.Port, Is.EqualTo(2200));
        Assert.That(entry.HostName, Is.EqualTo("web1.example.com"));
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.That(entry.IdentityFiles, Is.EqualTo(new[] { Path.Combine(home, ".ssh/web_ed25519"), Path.Combine(home, ".ssh/id_ed25519") }));
        Assert.That(entry["serveraliveinterval"], Is.EqualTo("15"));
    }

    [Test]
    public void Negated_patterns_exclude_a_host()
    {
        SshConfigEntry entry = SshConfig.Parse(Sample).Lookup("web9.example.com");
        Assert.That(entry.User, Is.EqualTo("fallback"));
        Assert.That(entry.Port, Is.EqualTo(22));
    }

    [Test]
    public void HostName_expands_percent_h_and_values_may_use_equals_and_quotes()
    {
        SshConfigEntry entry = SshConfig.Parse(Sample).Lookup("db");
        Assert.That(entry.HostName, Is.EqualTo("db.internal.db.example.com"));
        Assert.That(entry.User, Is.EqualTo("dba"));
        Assert.That(entry.IdentityFiles[0], Is.EqualTo("/keys/db key"));
    }

    [Test]
    public void Match_blocks_are_not_applied()
    {
        Assert.That(SshConfig.Parse(Sample).Lookup("other").User, Is.EqualTo("fallback"));
    }

    [Test]
    public void A_keyword_without_a_value_is_a_format_error_naming_the_line()
    {
        var error = Assert.Throws<FormatException>(() => SshConfig.Parse("Host a\n  User\n"));
        Assert.That(error!.Message, Does.Contain("line 2"));
    }
}
