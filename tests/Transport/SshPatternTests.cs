using System.Diagnostics;
using NUnit.Framework;
using Ssh.Transport;

namespace Ssh.Tests.Transport;

/// <summary>ssh_config(5) PATTERNS, shared by known_hosts, ssh_config Host lines and the server's AcceptEnv.</summary>
public sealed class SshPatternTests
{
    [TestCase("*", "anything", true)]
    [TestCase("*.example.com", "a.example.com", true)]
    [TestCase("*.example.com", "example.com", false)]
    [TestCase("*.EXAMPLE.com", "x.example.COM", true)]
    [TestCase("host?", "host1", true)]
    [TestCase("host?", "host12", false)]
    [TestCase("a?c", "ac", false)]
    [TestCase("web*", "db1", false)]
    [TestCase("192.0.2.*", "192.0.2.77", true)]
    [TestCase("a*b*c", "axxbyyc", true)]
    [TestCase("a*b*c", "axxbyy", false)]
    [TestCase("[h]:2222", "[h]:2222", true)]
    [TestCase("", "", true)]
    public void Host_names_match_case_insensitively(string pattern, string text, bool expected) =>
        Assert.That(SshPattern.Matches(pattern, text, ignoreCase: true), Is.EqualTo(expected));

    [TestCase("LC_*", "LC_ALL", true)]
    [TestCase("LC_*", "lc_all", false)]
    [TestCase("LANG", "LANG", true)]
    [TestCase("LANG", "LANGUAGE", false)]
    [TestCase("LC_*", "LD_PRELOAD", false)]
    public void Environment_names_match_case_sensitively(string pattern, string text, bool expected) =>
        Assert.That(SshPattern.Matches(pattern, text), Is.EqualTo(expected));

    [Test]
    public void A_hostile_pattern_costs_little()
    {
        string pattern = string.Concat(Enumerable.Repeat("*a", 200)) + "b";
        string text = new('a', 20_000);
        var clock = Stopwatch.StartNew();
        Assert.That(SshPattern.Matches(pattern, text), Is.False);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "matching must not backtrack exponentially");
    }
}
