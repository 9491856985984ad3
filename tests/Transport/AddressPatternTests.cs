using System.Net;
using NUnit.Framework;
using Ssh.Transport;

namespace Ssh.Tests.Transport;

public class AddressPatternTests
{
    [TestCase("10.0.0.0/8", "10.255.1.2", true)]
    [TestCase("10.0.0.0/8", "11.0.0.1", false)]
    [TestCase("192.168.1.7", "192.168.1.7", true)]
    [TestCase("192.168.1.7", "192.168.1.8", false)]
    [TestCase("192.168.0.0/23", "192.168.1.200", true)]
    [TestCase("192.168.0.0/23", "192.168.2.1", false)]
    [TestCase("2001:db8::/32", "2001:db8:1::5", true)]
    [TestCase("2001:db8::/32", "2001:db9::5", false)]
    [TestCase("0.0.0.0/0", "203.0.113.9", true)]
    [TestCase("127.0.0.1/32,::1", "::1", true)]
    [TestCase("127.0.0.1/32", "::ffff:127.0.0.1", true)]
    [TestCase("10.0.0.1/8", "10.0.0.1", false)]       // host bits set: the whole list refuses
    [TestCase("10.0.0.0/8,bogus", "10.0.0.1", false)] // a malformed entry refuses
    [TestCase("10.0.0.0/33", "10.0.0.1", false)]
    public void Cidr_lists(string list, string address, bool expected) =>
        Assert.That(AddressPattern.MatchesCidrList(list, IPAddress.Parse(address)), Is.EqualTo(expected));

    [TestCase("10.0.*", "10.0.4.5", null, true)]
    [TestCase("10.0.*,!10.0.4.5", "10.0.4.5", null, false)]
    [TestCase("!10.0.4.5,10.0.*", "10.0.4.6", null, true)]
    [TestCase("192.168.0.0/16", "192.168.9.9", null, true)]
    [TestCase("*.example.org", "10.1.1.1", "build.example.org", true)]
    [TestCase("*.example.org", "10.1.1.1", null, false)]
    [TestCase("127.0.0.1", "::ffff:127.0.0.1", null, true)]
    [TestCase("", "127.0.0.1", null, false)]
    public void Host_lists(string list, string address, string? host, bool expected) =>
        Assert.That(AddressPattern.MatchesHostList(list, IPAddress.Parse(address), host), Is.EqualTo(expected));
}
