using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;

namespace Ssh.InteropTests.Client;

/// <summary>Our client against Debian's sshd with one algorithm forced at a time on the server side.</summary>
[TestFixture]
public sealed class ClientAlgorithmTests
{
    private const int TimeoutMs = 60_000;

    internal static readonly string[] Ciphers =
    [
        "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
        "aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc",
    ];

    internal static readonly string[] Macs =
    [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
        "umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "umac-64@openssh.com", "umac-128@openssh.com",
        "hmac-sha1-etm@openssh.com", "hmac-sha1",
    ];

    /// <summary>Every key exchange Debian 12's sshd (OpenSSH 9.2) has that we implement.</summary>
    private static readonly string[] Kex =
    [
        "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group1-sha1",
    ];

    /// <summary>The post-quantum methods only OpenSSH 9.9+ has, against the OpenSSH 10 that ./test.sh builds.</summary>
    private static readonly string[] OpenSsh10Kex = ["mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com"];

    [TestCaseSource(nameof(Ciphers)), CancelAfter(TimeoutMs)]
    public Task Cipher(string cipher, CancellationToken cancellationToken) =>
        RunWithAsync([$"Ciphers {cipher}"], a => Assert.That(a.CipherClientToServer, Is.EqualTo(cipher)), cancellationToken,
            clientSettings: new TransportSettings { Ciphers = [cipher] });

    /// <summary>CBC with an encrypt-then-MAC, which OpenSSH allows too.</summary>
    [TestCase("aes256-cbc", "hmac-sha2-256-etm@openssh.com"), TestCase("3des-cbc", "hmac-sha1"), CancelAfter(TimeoutMs)]
    public Task CbcWithMac(string cipher, string mac, CancellationToken cancellationToken) =>
        RunWithAsync([$"Ciphers {cipher}", $"MACs {mac}"], a => Assert.That((a.CipherServerToClient, a.MacServerToClient), Is.EqualTo((cipher, mac))),
            cancellationToken, clientSettings: new TransportSettings { Ciphers = [cipher], Macs = [mac] });

    [TestCaseSource(nameof(Macs)), CancelAfter(TimeoutMs)]
    public Task Mac(string mac, CancellationToken cancellationToken) =>
        RunWithAsync(["Ciphers aes128-ctr,aes256-ctr", $"MACs {mac}"], a => Assert.That(a.MacServerToClient, Is.EqualTo(mac)), cancellationToken,
            clientSettings: new TransportSettings { Macs = [mac] });

    [TestCaseSource(nameof(Kex)), CancelAfter(TimeoutMs)]
    public Task KeyExchange(string kex, CancellationToken cancellationToken) =>
        RunWithAsync([$"KexAlgorithms {kex}"], a => Assert.That(a.Kex, Is.EqualTo(kex)), cancellationToken,
            clientSettings: new TransportSettings { KexAlgorithms = [kex] });

    /// <summary>Our client with compression on (paramiko's compress=True) against sshd's default (delayed
    /// compression); what moved both ways checked by SHA-256.</summary>
    [TestCase(false), TestCase(true), CancelAfter(TimeoutMs)]
    public async Task Compression_ZlibOpenSsh_BothWays(bool openSsh10, CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync([], cancellationToken: cancellationToken, sshd: openSsh10 ? OpenSsh10.Sshd : null);
        var settings = new TransportSettings();
        settings.UseCompression();
        await using var client = await ClientTestSupport.ConnectAsync(target, settings, cancellationToken: cancellationToken);
        Assert.That(client.GetTransport()!.Algorithms!.CompressionClientToServer, Is.EqualTo("zlib@openssh.com"));
        byte[] text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200_000).Select(i => $"line {i}\n")));
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(text));
        var up = await ClientTestSupport.ExecAsync(client, "sha256sum", text, cancellationToken);
        Assert.That(up.StdoutText, Is.EqualTo(sha + "  -\n"), target.LogTail());
        var down = await ClientTestSupport.ExecAsync(client, "seq 0 199999 | sed 's/^/line /'", cancellationToken: cancellationToken);
        Assert.That(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(down.Stdout)), Is.EqualTo(sha));
        Assert.That(target.LogTail(400), Does.Contain("compression: zlib@openssh.com"));
    }

    [TestCaseSource(nameof(OpenSsh10Kex)), CancelAfter(TimeoutMs)]
    public Task KeyExchange_OpenSsh10(string kex, CancellationToken cancellationToken) =>
        RunWithAsync([$"KexAlgorithms {kex}"], a => Assert.That(a.Kex, Is.EqualTo(kex)), cancellationToken, sshd: OpenSsh10.Sshd);

    [Test, CancelAfter(TimeoutMs)]
    public Task OpenSsh10_ByDefault_NegotiatesMlKem(CancellationToken cancellationToken) =>
        RunWithAsync([], a => Assert.That(a.Kex, Is.EqualTo("mlkem768x25519-sha256")), cancellationToken, sshd: OpenSsh10.Sshd);

    [Test, CancelAfter(TimeoutMs)]
    public Task HostKeyEd25519(CancellationToken cancellationToken) =>
        RunWithAsync(["HostKeyAlgorithms ssh-ed25519"], a => Assert.That(a.HostKey, Is.EqualTo("ssh-ed25519")), cancellationToken);

    [TestCase("ecdsa-sha2-nistp256")]
    [TestCase("rsa-sha2-512")]
    [TestCase("rsa-sha2-256")]
    [TestCase("ssh-rsa")]
    [CancelAfter(TimeoutMs)]
    public Task HostKey(string algorithm, CancellationToken cancellationToken) =>
        RunWithAsync([$"HostKeyAlgorithms {algorithm}"], a => Assert.That(a.HostKey, Is.EqualTo(algorithm)), cancellationToken,
            autoAddHostKey: true, clientSettings: new TransportSettings { HostKeyAlgorithms = [algorithm] });

    private static async Task RunWithAsync(string[] serverConfig, Action<Ssh.Transport.KeyExchange.NegotiatedAlgorithms> check, CancellationToken cancellationToken,
        bool autoAddHostKey = false, string? sshd = null, TransportSettings? clientSettings = null)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(serverConfig, cancellationToken: cancellationToken, sshd: sshd);
        try
        {
            // The fixture pins its ed25519 host key; another host key type is accepted on first sight instead.
            await using var client = autoAddHostKey
                ? await ConnectTrustingAnyHostKeyAsync(target, clientSettings, cancellationToken)
                : await ClientTestSupport.ConnectAsync(target, clientSettings, cancellationToken: cancellationToken);
            check(client.GetTransport()!.Algorithms!);
            var result = await ClientTestSupport.ExecAsync(client, "echo hello; echo oops >&2; exit 3", cancellationToken: cancellationToken);
            Assert.That(result.StdoutText, Is.EqualTo("hello\n"));
            Assert.That(result.Stderr, Is.EqualTo("oops\n"));
            Assert.That(result.ExitCode, Is.EqualTo(3));
        }
        catch
        {
            TestContext.Out.WriteLine(target.LogTail());
            throw;
        }
    }

    private static async Task<Ssh.Client.SshClient> ConnectTrustingAnyHostKeyAsync(ServerTarget target, TransportSettings? settings, CancellationToken cancellationToken)
    {
        var client = new Ssh.Client.SshClient { Settings = settings ?? new TransportSettings() };
        client.SetMissingHostKeyPolicy(new Ssh.Client.AutoAddPolicy());
        await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [target.KeyPath], lookForKeys: false,
            cancellationToken: cancellationToken);
        return client;
    }
}
