using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Messages;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>RFC 4253 §7.1: for every category, the first algorithm on the client's list that the server also lists.</summary>
public sealed class NegotiatorTests
{
    private static readonly Func<string, bool> IsAead = name => name.EndsWith("@openssh.com", StringComparison.Ordinal) && !name.Contains("etm");

    private static KexInitMessage Init(string kex = "k1", string hostKey = "h1", string ciphers = "c1", string macs = "m1",
        string? ciphersServerToClient = null, string? macsServerToClient = null, string compression = "none") => new()
    {
        KexAlgorithms = Split(kex),
        ServerHostKeyAlgorithms = Split(hostKey),
        CiphersClientToServer = Split(ciphers),
        CiphersServerToClient = Split(ciphersServerToClient ?? ciphers),
        MacsClientToServer = Split(macs),
        MacsServerToClient = Split(macsServerToClient ?? macs),
        CompressionClientToServer = Split(compression),
        CompressionServerToClient = Split(compression),
    };

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);

    // client list, server list, chosen
    [TestCase("a", "a", "a")]
    [TestCase("a,b,c", "c,b", "b")]
    [TestCase("a,b,c", "c,b,a", "a")]
    [TestCase("c,b,a", "a,b,c", "c")]
    [TestCase("x,y,a", "a", "a")]
    public void EachCategory_TakesTheClientsFirstThatTheServerHas(string client, string server, string expected)
    {
        NegotiatedAlgorithms kex = Negotiator.Negotiate(Init(kex: client), Init(kex: server), IsAead);
        NegotiatedAlgorithms hostKey = Negotiator.Negotiate(Init(hostKey: client), Init(hostKey: server), IsAead);
        NegotiatedAlgorithms cipher = Negotiator.Negotiate(Init(ciphers: client), Init(ciphers: server), IsAead);
        NegotiatedAlgorithms mac = Negotiator.Negotiate(Init(macs: client), Init(macs: server), IsAead);
        NegotiatedAlgorithms compression = Negotiator.Negotiate(Init(compression: client), Init(compression: server), IsAead);
        Assert.Multiple(() =>
        {
            Assert.That(kex.Kex, Is.EqualTo(expected));
            Assert.That(hostKey.HostKey, Is.EqualTo(expected));
            Assert.That((cipher.CipherClientToServer, cipher.CipherServerToClient), Is.EqualTo((expected, expected)));
            Assert.That((mac.MacClientToServer, mac.MacServerToClient), Is.EqualTo((expected, expected)));
            Assert.That((compression.CompressionClientToServer, compression.CompressionServerToClient), Is.EqualTo((expected, expected)));
        });
    }

    [Test]
    public void Directions_AreNegotiatedIndependently()
    {
        NegotiatedAlgorithms n = Negotiator.Negotiate(
            Init(ciphers: "aes128-ctr,aes256-ctr", ciphersServerToClient: "aes256-ctr,aes128-ctr", macs: "m1,m2", macsServerToClient: "m2,m1"),
            Init(ciphers: "aes256-ctr,aes128-ctr", macs: "m2,m1"), IsAead);
        Assert.That((n.CipherClientToServer, n.CipherServerToClient), Is.EqualTo(("aes128-ctr", "aes256-ctr")));
        Assert.That((n.MacClientToServer, n.MacServerToClient), Is.EqualTo(("m1", "m2")));
    }

    [TestCase("kex", "key exchange")]
    [TestCase("hostKey", "host key")]
    [TestCase("ciphers", "client-to-server cipher")]
    [TestCase("macs", "client-to-server MAC")]
    [TestCase("compression", "client-to-server compression")]
    public void NoCommonAlgorithm_FailsTheKeyExchangeNamingTheCategory(string category, string named)
    {
        KexInitMessage server = category switch
        {
            "kex" => Init(kex: "k2,k3"),
            "hostKey" => Init(hostKey: "h2"),
            "ciphers" => Init(ciphers: "c2"),
            "macs" => Init(macs: "m2"),
            _ => Init(compression: "zlib"),
        };
        var e = Assert.Throws<SshProtocolException>(() => Negotiator.Negotiate(Init(), server, IsAead));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain($"No {named} algorithm in common"));
        Assert.That(e.Message, Does.Contain("The client offered: ").And.Contain("the server offered: "), "both sides' lists");
    }

    [Test]
    public void AeadCipher_NegotiatesNoMac_EvenWithoutACommonMac()
    {
        NegotiatedAlgorithms n = Negotiator.Negotiate(
            Init(ciphers: "aes128-gcm@openssh.com,aes128-ctr", macs: "m1"),
            Init(ciphers: "aes128-gcm@openssh.com,aes128-ctr", macs: "m2"), IsAead);
        Assert.That(n.CipherClientToServer, Is.EqualTo("aes128-gcm@openssh.com"));
        Assert.That(n.MacClientToServer, Is.Null);
        Assert.That(n.MacServerToClient, Is.Null);
    }

    [Test]
    public void AeadInOneDirectionOnly_StillNegotiatesTheOtherDirectionsMac()
    {
        NegotiatedAlgorithms n = Negotiator.Negotiate(
            Init(ciphers: "chacha20-poly1305@openssh.com", ciphersServerToClient: "aes128-ctr", macs: "m1"),
            Init(ciphers: "chacha20-poly1305@openssh.com,aes128-ctr", macs: "m1"), IsAead);
        Assert.That((n.MacClientToServer, n.MacServerToClient), Is.EqualTo(((string?)null, "m1")));
    }

    [TestCase("ext-info-c,kex-strict-c-v00@openssh.com,k1", "ext-info-c,kex-strict-c-v00@openssh.com,k1", "k1")]
    [TestCase("ext-info-c,k2,k1", "ext-info-c,k1,k2", "k2")]
    [TestCase("ext-info-s,kex-strict-s-v00@openssh.com,k1", "kex-strict-s-v00@openssh.com,ext-info-s,k1", "k1")]
    public void PseudoAlgorithms_AreNeverChosenAsTheKeyExchange(string client, string server, string expected)
    {
        Assert.That(Negotiator.Negotiate(Init(kex: client), Init(kex: server), IsAead).Kex, Is.EqualTo(expected));
    }

    [Test]
    public void OnlyPseudoAlgorithmsInCommon_FailsTheKeyExchange()
    {
        var e = Assert.Throws<SshProtocolException>(() => Negotiator.Negotiate(
            Init(kex: "ext-info-c,kex-strict-c-v00@openssh.com,k1"), Init(kex: "ext-info-c,kex-strict-c-v00@openssh.com,k2"), IsAead));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
    }

    // RFC 4253 §7.1: a guess is right only when each side's preferred kex and host key algorithms are the same.
    [TestCase("k1,k2", "h1", "k1,k2", "h1", true)]
    [TestCase("k1,k2", "h1", "k1", "h1,h2", true)]
    [TestCase("k1,k2", "h1", "k2,k1", "h1", false, Description = "k1 is negotiated, but the server preferred k2")]
    [TestCase("k1", "h1,h2", "k1", "h2,h1", false)]
    [TestCase("ext-info-c,k1", "h1", "k1,ext-info-s", "h1", true, Description = "pseudo-algorithms are not anyone's preference")]
    public void GuessWasRight(string clientKex, string clientHostKey, string serverKex, string serverHostKey, bool expected)
    {
        Assert.That(Negotiator.GuessWasRight(Init(kex: clientKex, hostKey: clientHostKey), Init(kex: serverKex, hostKey: serverHostKey)),
            Is.EqualTo(expected));
    }
}
