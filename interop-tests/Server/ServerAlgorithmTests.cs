using System.Security.Cryptography;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>OpenSSH's <c>ssh</c> against <c>sshcs server</c> with one algorithm forced at a time on the client's side
/// (<c>-o KexAlgorithms=...</c> and so on), checked in ssh's own debug log ("kex: algorithm: ...") and by the SHA-256 of
/// a megabyte piped through <c>sha256sum</c>. Debian 12's ssh (OpenSSH 9.2) for what it has; OpenSSH 10 for the
/// post-quantum methods 9.2 lacks.</summary>
[TestFixture]
public sealed class ServerAlgorithmTests : SharedSshcsServerFixture
{
    private const int TimeoutMs = 60_000;

    /// <summary>Every algorithm we implement is offered, the legacy ones included.</summary>
    protected override IEnumerable<string> ServerArguments =>
    [
        "-o", "KexAlgorithms=" + string.Join(',', [.. OpenSsh10Kex, .. Debian12Kex]),
        "-o", "Ciphers=" + string.Join(',', Client.ClientAlgorithmTests.Ciphers),
        "-o", "MACs=" + string.Join(',', Client.ClientAlgorithmTests.Macs),
    ];

    /// <summary>Every key exchange OpenSSH 9.2 has that we implement.</summary>
    public static readonly string[] Debian12Kex =
    [
        "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group1-sha1",
    ];

    /// <summary>The post-quantum methods only OpenSSH 9.9+ has.</summary>
    public static readonly string[] OpenSsh10Kex =
    [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
    ];

    [TestCaseSource(nameof(Debian12Kex)), CancelAfter(TimeoutMs)]
    public Task KeyExchange(string kex, CancellationToken cancellationToken) =>
        RunAsync(["-o", $"KexAlgorithms={kex}"], $"kex: algorithm: {kex}", PeerBinaries.Ssh, cancellationToken);

    [TestCaseSource(nameof(OpenSsh10Kex)), CancelAfter(TimeoutMs)]
    public Task KeyExchange_OpenSsh10(string kex, CancellationToken cancellationToken) =>
        RunAsync(["-o", $"KexAlgorithms={kex}"], $"kex: algorithm: {kex}", OpenSsh10.Ssh, cancellationToken);

    [TestCaseSource(typeof(Client.ClientAlgorithmTests), nameof(Client.ClientAlgorithmTests.Ciphers)), CancelAfter(TimeoutMs)]
    public Task Cipher(string cipher, CancellationToken cancellationToken) =>
        RunAsync(["-o", $"Ciphers={cipher}"], $"kex: server->client cipher: {cipher} ", PeerBinaries.Ssh, cancellationToken);

    [TestCaseSource(typeof(Client.ClientAlgorithmTests), nameof(Client.ClientAlgorithmTests.Macs)), CancelAfter(TimeoutMs)]
    public Task Mac(string mac, CancellationToken cancellationToken) =>
        RunAsync(["-o", "Ciphers=aes128-ctr", "-o", $"MACs={mac}"], $"kex: server->client cipher: aes128-ctr MAC: {mac} ", PeerBinaries.Ssh, cancellationToken);

    /// <summary>dropbear's client offers only what -c and -m name, so a success proves that pair.</summary>
    [TestCase("chacha20-poly1305@openssh.com", "hmac-sha2-256")]
    [TestCase("aes128-ctr", "hmac-sha1")]
    [TestCase("aes256-ctr", "hmac-sha2-256")]
    [CancelAfter(TimeoutMs)]
    public async Task Dbclient_CipherAndMac(string cipher, string mac, CancellationToken cancellationToken)
    {
        var result = await PeerClients.DbclientAsync(Server, Auth.Password, "echo dropbear-ok", cancellationToken, ["-c", cipher, "-m", mac]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("dropbear-ok\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public Task OpenSsh10_ByDefault_NegotiatesMlKem(CancellationToken cancellationToken) =>
        RunAsync([], "kex: algorithm: mlkem768x25519-sha256", OpenSsh10.Ssh, cancellationToken);

    /// <summary>Runs sha256sum over a random megabyte with <paramref name="options"/>; ssh's debug log must show
    /// <paramref name="negotiated"/>.</summary>
    internal async Task RunAsync(string[] options, string negotiated, string ssh, CancellationToken cancellationToken)
    {
        var data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        var result = await PeerClients.SshAsync(Server, Auth.Key, "sha256sum", [.. options, "-o", "LogLevel=DEBUG1"], stdin: data,
            cancellationToken: cancellationToken, ssh: ssh);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(data)) + "  -\n"), result.Describe);
        Assert.That(result.Stderr, Does.Match(new Regex("debug1: " + Regex.Escape(negotiated) + (negotiated.EndsWith(' ') ? "" : @"(\r?\n|$)"), RegexOptions.Multiline)),
            result.Describe);
    }
}
