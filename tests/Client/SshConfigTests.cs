using NUnit.Framework;
using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Tests.Client;

/// <summary>ssh_config(5) as ssh evaluates it; the interop tests compare the same files with <c>ssh -G</c>.</summary>
[TestFixture, NonParallelizable]
public sealed class SshConfigTests
{
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

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

        Match exec "false"
            User never

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
        Assert.That(entry.IdentityFiles, Is.EqualTo(new[] { Path.Combine(Home, ".ssh/web_ed25519"), Path.Combine(Home, ".ssh/id_ed25519") }));
        Assert.That(entry.ServerAliveInterval, Is.EqualTo(TimeSpan.FromSeconds(15)));
    }

    [Test]
    public void Negated_patterns_exclude_a_host_and_a_false_Match_exec_applies_nothing()
    {
        SshConfigEntry entry = SshConfig.Parse(Sample).Lookup("web9.example.com");
        Assert.That(entry.User, Is.EqualTo("fallback"));
        Assert.That(entry.Port, Is.EqualTo(22));
    }

    [Test]
    public void HostName_expands_percent_h_and_values_may_use_equals_and_quotes()
    {
        SshConfigEntry entry = SshConfig.Parse(Sample).Lookup("DB");
        Assert.That(entry.HostName, Is.EqualTo("db.internal.db.example.com"), "ssh lowercases the host first");
        Assert.That(entry.User, Is.EqualTo("dba"));
        Assert.That(entry.IdentityFiles[0], Is.EqualTo("/keys/db key"));
    }

    [Test]
    public void Match_host_sees_the_HostName_set_above_and_originalhost_the_alias()
    {
        var config = SshConfig.Parse("""
            Host alias
                HostName real.example.org
            Match host real.example.org
                User by-hostname
            Match originalhost alias
                Port 2022
            Match host alias
                IdentityFile /never
            """);
        SshConfigEntry entry = config.Lookup("alias");
        Assert.That(entry.User, Is.EqualTo("by-hostname"));
        Assert.That(entry.Port, Is.EqualTo(2022));
        Assert.That(entry.IdentityFiles, Is.Empty);
    }

    [Test]
    public void Match_user_localuser_exec_all_and_negation()
    {
        string local = Environment.UserName;
        var config = SshConfig.Parse($"""
            Match user admin
                Port 1001
            Match localuser {local} !host skip.example
                IdentityFile /local-match
            Match exec "test %h = box.example && test %r = admin"
                ConnectTimeout 7
            Match all
                Compression yes
            """);
        SshConfigEntry admin = config.Lookup("box.example", "admin");
        Assert.That(admin.Port, Is.EqualTo(1001));
        Assert.That(admin.IdentityFiles, Is.EqualTo(new[] { "/local-match" }));
        Assert.That(admin.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(admin.Compression, Is.True);

        SshConfigEntry other = config.Lookup("skip.example", "guest");
        Assert.That(other.Port, Is.Null);
        Assert.That(other.IdentityFiles, Is.Empty);
        Assert.That(other.ConnectTimeout, Is.Null);
    }

    [Test]
    public void Match_user_sees_the_configured_User_when_none_is_given()
    {
        var config = SshConfig.Parse("Host h\n  User ops\nMatch user ops\n  Port 3000\n");
        Assert.That(config.Lookup("h").Port, Is.EqualTo(3000));
        Assert.That(config.Lookup("h", "root").Port, Is.Null);
        Assert.That(config.Lookup("h", "root").RemoteUser, Is.EqualTo("root"));
    }

    [Test]
    public void Match_final_runs_in_a_second_pass_that_only_fills_what_is_unset()
    {
        var config = SshConfig.Parse("""
            Match final host final.example
                User from-final
                Port 9
            Host short
                HostName final.example
                Port 8
            """);
        SshConfigEntry entry = config.Lookup("short");
        Assert.That(entry.User, Is.EqualTo("from-final"));
        Assert.That(entry.Port, Is.EqualTo(8), "set in the first pass, kept");
    }

    [Test]
    public void In_the_final_pass_Host_matches_the_HostName_and_files_are_named_once()
    {
        var config = SshConfig.Parse("""
            Host short
                HostName long.example.com
                IdentityFile /k1
            Host long.example.com
                User by-final-hostname
                IdentityFile /k2
            Match final
                IdentityFile /k1
            """);
        SshConfigEntry entry = config.Lookup("short");
        Assert.That(entry.User, Is.EqualTo("by-final-hostname"));
        Assert.That(entry.IdentityFiles, Is.EqualTo(new[] { "/k1", "/k2" }));
    }

    [Test]
    public void Untrusted_text_runs_no_command_and_reads_no_file()
    {
        string marker = Path.Combine(Path.GetTempPath(), "sshcs-untrusted-" + Guid.NewGuid().ToString("N"));
        SshConfig config = SshConfig.ParseUntrusted($"Match exec \"touch {marker}\"\n  User ran\n");
        Assert.That(config.WithOverrides(["Port 1"]).Lookup("h").User, Is.Null);
        Assert.That(File.Exists(marker), Is.False);
        Assert.Throws<FormatException>(() => SshConfig.ParseUntrusted("Include /etc/passwd"));
    }

    [Test]
    public void Connect_refuses_the_ProxyCommand_of_untrusted_text()
    {
        string marker = Path.Combine(Path.GetTempPath(), "sshcs-untrusted-" + Guid.NewGuid().ToString("N"));
        SshConfig config = SshConfig.ParseUntrusted($"Host h\n  ProxyCommand touch {marker}\n");
        using var client = new SshClient();
        var e = Assert.Throws<FormatException>(() => client.Connect("h", username: "u", config: config, allowAgent: false, lookForKeys: false));
        Assert.That(e!.Message, Does.Contain("ProxyCommand"));
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void Overrides_for_one_host_leave_the_others_alone()
    {
        SshConfig config = SshConfig.Parse("Host *\n  Port 22\n").WithOverrides(["Port 2222"], "target");
        Assert.That(config.Lookup("target").Port, Is.EqualTo(2222));
        Assert.That(config.Lookup("jump").Port, Is.EqualTo(22));
    }

    [Test]
    public void Include_is_relative_to_dot_ssh_globbed_and_conditional_inside_a_block()
    {
        string home = Directory.CreateTempSubdirectory("sshcs-home-").FullName;
        string? previous = Environment.GetEnvironmentVariable("HOME");
        try
        {
            Environment.SetEnvironmentVariable("HOME", home);
            Directory.CreateDirectory(Path.Combine(home, ".ssh", "config.d"));
            File.WriteAllText(Path.Combine(home, ".ssh", "config.d", "10-web"), "Host web\n  User included-web\n");
            File.WriteAllText(Path.Combine(home, ".ssh", "config.d", "20-all"), "Port 2020\nHost *\n  IdentityFile /from-include\n");
            File.WriteAllText(Path.Combine(home, ".ssh", "config.d", ".hidden"), "Port 1\n");
            File.WriteAllText(Path.Combine(home, ".ssh", "other"), "ConnectTimeout 3\n");
            var config = SshConfig.Parse("""
                Include config.d/*
                Host only-this
                    Include other
                Host *
                    User fallback
                """);

            SshConfigEntry web = config.Lookup("web");
            Assert.That(web.User, Is.EqualTo("included-web"));
            Assert.That(web.Port, Is.EqualTo(2020), "the included file's top lines apply to every host");
            Assert.That(web.IdentityFiles, Is.EqualTo(new[] { "/from-include" }));
            Assert.That(web.ConnectTimeout, Is.Null, "an Include inside a Host block applies only to that host");
            Assert.That(config.Lookup("only-this").ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(config.Lookup("mail").User, Is.EqualTo("fallback"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("HOME", previous);
            Directory.Delete(home, recursive: true);
        }
    }

    [Test]
    public void An_include_loop_is_an_error_naming_the_file()
    {
        string dir = Directory.CreateTempSubdirectory("sshcs-loop-").FullName;
        try
        {
            string path = Path.Combine(dir, "config");
            File.WriteAllText(path, $"Include {path}\n");
            var e = Assert.Throws<FormatException>(() => SshConfig.FromFile(path));
            Assert.That(e!.Message, Does.Contain(path).And.Contain("16"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ProxyJump_and_ProxyCommand_compete_and_none_turns_them_off()
    {
        var config = SshConfig.Parse("""
            Host direct
                ProxyJump none
            Host a
                ProxyJump ops@bastion:2222,inner
            Host *
                ProxyCommand nc %h %p
            """);
        Assert.That(config.Lookup("a").ProxyJump, Is.EqualTo(new[] { "ops@bastion:2222", "inner" }));
        Assert.That(config.Lookup("a").ProxyCommand, Is.Null, "the first of the two wins");
        Assert.That(config.Lookup("b").ProxyCommand, Is.EqualTo("nc b 22"));
        Assert.That(config.Lookup("direct").ProxyJump, Is.Null);
        Assert.That(config.Lookup("direct").ProxyCommand, Is.Null);
    }

    [Test]
    public void Tokens_and_environment_expand_in_paths()
    {
        Environment.SetEnvironmentVariable("SSHCS_TEST_KEYDIR", "/keys");
        try
        {
            var config = SshConfig.Parse("""
                Host t
                    HostName target.example
                    User bob
                    Port 2200
                    IdentityFile ${SSHCS_TEST_KEYDIR}/%r@%h:%p
                    CertificateFile %d/certs/%n-%u
                    UserKnownHostsFile ~/kh1 /etc/kh%%2
                """);
            SshConfigEntry entry = config.Lookup("t");
            Assert.That(entry.IdentityFiles, Is.EqualTo(new[] { "/keys/bob@target.example:2200" }));
            Assert.That(entry.CertificateFiles, Is.EqualTo(new[] { $"{Home}/certs/t-{Environment.UserName}" }));
            Assert.That(entry.UserKnownHostsFiles, Is.EqualTo(new[] { Path.Combine(Home, "kh1"), "/etc/kh%2" }));
            Assert.That(entry.ExpandTokens("%C"), Has.Length.EqualTo(40));
            Assert.Throws<FormatException>(() => entry.ExpandTokens("%z"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SSHCS_TEST_KEYDIR", null);
        }
        Assert.Throws<FormatException>(() => _ = SshConfig.Parse("IdentityFile ${SSHCS_SURELY_UNSET}/k").Lookup("x").IdentityFiles);
    }

    [Test]
    public void Overrides_win_like_ssh_minus_o()
    {
        SshConfig config = SshConfig.Parse(Sample).WithOverrides(["Port 7777", "User=cli"]);
        SshConfigEntry entry = config.Lookup("web1.example.com");
        Assert.That(entry.Port, Is.EqualTo(7777));
        Assert.That(entry.User, Is.EqualTo("cli"));
        Assert.Throws<FormatException>(() => SshConfig.Parse("").WithOverrides(["Host x"]));
    }

    [TestCase("yes", "yes")]
    [TestCase("off", "no")]
    [TestCase("accept-new", "accept-new")]
    [TestCase("ask", "ask")]
    public void StrictHostKeyChecking_is_normalised(string value, string expected) =>
        Assert.That(SshConfig.Parse($"StrictHostKeyChecking {value}").Lookup("h").StrictHostKeyChecking, Is.EqualTo(expected));

    [TestCase("Port abc")]
    [TestCase("ConnectTimeout soon")]
    [TestCase("ServerAliveCountMax 0")]
    [TestCase("Compression maybe")]
    [TestCase("StrictHostKeyChecking perhaps")]
    public void A_malformed_value_names_its_keyword(string line)
    {
        SshConfigEntry entry = SshConfig.Parse(line).Lookup("h");
        var e = Assert.Throws<FormatException>(() => _ = (entry.Port, entry.ConnectTimeout, entry.ServerAliveCountMax, entry.Compression, entry.StrictHostKeyChecking));
        Assert.That(e!.Message, Does.Contain(line.Split(' ')[0]));
    }

    [Test]
    public void Algorithm_lists_apply_with_their_edits()
    {
        var settings = new TransportSettings();
        SshConfig.Parse("Ciphers ^aes128-ctr\nMACs -hmac-sha2-256\nKexAlgorithms curve25519-sha256\nHostKeyAlgorithms +ssh-rsa").Lookup("h").ApplyAlgorithms(settings);
        Assert.That(settings.Ciphers[0], Is.EqualTo("aes128-ctr"));
        Assert.That(settings.Macs, Does.Not.Contain("hmac-sha2-256"));
        Assert.That(settings.KexAlgorithms, Is.EqualTo(new[] { "curve25519-sha256" }));
        Assert.That(settings.HostKeyAlgorithms[^1], Is.EqualTo("ssh-rsa"));
        Assert.Throws<ArgumentException>(() => SshConfig.Parse("Ciphers rot13").Lookup("h").ApplyAlgorithms(new TransportSettings()));
    }

    [Test]
    public void A_keyword_without_a_value_is_a_format_error_naming_the_line()
    {
        var error = Assert.Throws<FormatException>(() => SshConfig.Parse("Host a\n  User\n"));
        Assert.That(error!.Message, Does.Contain("line 2"));
        Assert.Throws<FormatException>(() => SshConfig.Parse("User \"open"));
        Assert.Throws<FormatException>(() => SshConfig.Parse("Match bogus x").Lookup("h"));
    }

    [TestCase("bastion", null, "bastion", null)]
    [TestCase("ops@bastion:2222", "ops", "bastion", 2222)]
    [TestCase("[::1]:22", null, "::1", 22)]
    [TestCase("ssh://me@host.example:2200", "me", "host.example", 2200)]
    public void ProxyJump_hops_parse(string hop, string? user, string host, int? port) =>
        Assert.That(SshConfig.ParseJumpHost(hop), Is.EqualTo((user, host, port)));
}
