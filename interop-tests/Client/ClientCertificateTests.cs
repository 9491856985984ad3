using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>Our client against Debian's sshd with certificates made by <c>ssh-keygen -s</c>: user certificates
/// under TrustedUserCAKeys (with force-command), host certificates (HostCertificate) checked against
/// <c>@cert-authority</c> known_hosts lines, <c>@revoked</c> CAs, and host-bound public key authentication.</summary>
[TestFixture, NonParallelizable]
public sealed class ClientCertificateTests
{
    private const int TimeoutMs = 120_000;
    private string _dir = null!;
    private TestCertificateAuthority _userCa = null!;
    private TestCertificateAuthority _hostCa = null!;

    [OneTimeSetUp]
    public async Task CreateAuthorities()
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs sshd reconfigured (TrustedUserCAKeys, HostCertificate), which an external server cannot be.");
        _dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "client-certs-");
        _userCa = await TestCertificateAuthority.CreateAsync(_dir, "ed25519", "user_ca");
        _hostCa = await TestCertificateAuthority.CreateAsync(_dir, "rsa", "host_ca");
    }

    [OneTimeTearDown]
    public void RemoveAuthorities()
    {
        if (_dir is not null) OpenSshServer.TryDeleteDirectory(_dir);
    }

    private Task<ServerTarget> StartSshdAsync(CancellationToken cancellationToken, params string[] extra) =>
        ServerTarget.StartAsync([$"TrustedUserCAKeys {_userCa.PublicKeyPath}", .. extra], cancellationToken: cancellationToken);

    /// <summary>A client that trusts the target's host key, logged in with <paramref name="key"/> (and the
    /// certificate beside it).</summary>
    private static async Task<SshClient> ConnectAsync(ServerTarget target, string key, CancellationToken cancellationToken)
    {
        var client = new SshClient();
        ClientTestSupport.TrustHostKey(client, target);
        await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [key], allowAgent: false, lookForKeys: false,
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        return client;
    }

    [TestCase("ed25519", "ssh-ed25519-cert-v01@openssh.com")]
    [TestCase("ecdsa", "ecdsa-sha2-nistp256-cert-v01@openssh.com")]
    [TestCase("rsa", "rsa-sha2-512-cert-v01@openssh.com")]
    [CancelAfter(TimeoutMs)]
    public async Task A_user_certificate_beside_the_key_logs_in_through_TrustedUserCAKeys(string type, string algorithm, CancellationToken cancellationToken)
    {
        string key = await TestCertificateAuthority.KeygenAsync(_dir, $"id_{type}_user", type, cancellationToken);
        await _userCa.SignAsync(key, $"{type}-user", TestUser.Name, cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken);
        await using var client = await ConnectAsync(target, key, cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "echo certified", cancellationToken: cancellationToken);

        Assert.That(result.StdoutText, Is.EqualTo("certified\n"));
        string log = target.LogTail(400);
        Assert.That(log, Does.Contain($"Accepted publickey for {TestUser.Name}").And.Contain($"ID {type}-user"), log);
        Assert.That(log, Does.Contain("publickey-hostbound-v00@openssh.com"), "sshd saw a host-bound request");
        Assert.That(log, Does.Contain($"pkalg {algorithm}"), "sshd saw the certificate algorithm");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Force_command_of_the_certificate_runs_instead(CancellationToken cancellationToken)
    {
        string key = await TestCertificateAuthority.KeygenAsync(_dir, "id_forced", cancellationToken: cancellationToken);
        await _userCa.SignAsync(key, "forced", TestUser.Name, options: ["-O", "force-command=echo forced:$SSH_ORIGINAL_COMMAND"], cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken);
        await using var client = await ConnectAsync(target, key, cancellationToken);

        var result = await ClientTestSupport.ExecAsync(client, "uname", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("forced:uname\n"));
    }

    [TestCase("ed25519", "ssh-ed25519-cert-v01@openssh.com")]
    [TestCase("ecdsa", "ecdsa-sha2-nistp256-cert-v01@openssh.com")]
    [TestCase("rsa", "rsa-sha2-256-cert-v01@openssh.com")]
    [CancelAfter(TimeoutMs)]
    public async Task A_host_certificate_is_accepted_through_a_cert_authority_line_alone(string hostKeyType, string algorithm, CancellationToken cancellationToken)
    {
        string hostKey = Path.Combine(_dir, $"ssh_host_{hostKeyType}_key");
        if (!File.Exists(hostKey)) await TestCertificateAuthority.KeygenAsync(_dir, $"ssh_host_{hostKeyType}_key", hostKeyType, cancellationToken);
        string certificate = await _hostCa.SignAsync(hostKey, "sshd-host", "127.0.0.1", host: true, cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken, $"HostKey {hostKey}", $"HostCertificate {certificate}");
        await using var client = new SshClient();
        client.Settings.HostKeyAlgorithms = [algorithm];
        client.GetHostKeys().AddCertificateAuthority($"[{target.Host}]:{target.Port}", PublicKeyFile.Load(_hostCa.PublicKeyPath).Key);

        await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [target.KeyPath], allowAgent: false, lookForKeys: false,
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);

        Assert.That(client.GetTransport()!.Algorithms!.HostKey, Is.EqualTo(algorithm));
        var presented = (SshCertificate)client.GetTransport()!.GetRemoteServerKey();
        Assert.That(presented.KeyId, Is.EqualTo("sshd-host"));
        Assert.That(client.GetHostKeys().Count, Is.Zero, "nothing was added: the CA vouched for the host");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task The_default_algorithms_take_the_host_certificate_and_a_revoked_CA_refuses_it(CancellationToken cancellationToken)
    {
        string hostKey = await TestCertificateAuthority.KeygenAsync(_dir, "ssh_host_revoked_key", cancellationToken: cancellationToken);
        string certificate = await _hostCa.SignAsync(hostKey, "revocable", "127.0.0.1", host: true, cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken, $"HostKey {hostKey}", $"HostCertificate {certificate}");
        SshPublicKey ca = PublicKeyFile.Load(_hostCa.PublicKeyPath).Key;

        await using (var client = new SshClient())
        {
            client.GetHostKeys().AddCertificateAuthority("*", ca);
            await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [target.KeyPath], allowAgent: false,
                lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            Assert.That(client.GetTransport()!.GetRemoteServerKey(), Is.InstanceOf<SshCertificate>());
        }
        await using (var client = new SshClient())
        {
            client.GetHostKeys().AddCertificateAuthority("*", ca);
            client.GetHostKeys().AddRevoked("*", ca);
            var e = Assert.ThrowsAsync<BadHostKeyException>(() => client.ConnectAsync(target.Host, target.Port, target.UserName,
                keyFilename: [target.KeyPath], allowAgent: false, lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken));
            Assert.That(e!.ExpectedFingerprint, Is.EqualTo("(revoked)"));
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_host_certificate_for_another_name_falls_back_to_the_known_hosts_key(CancellationToken cancellationToken)
    {
        string hostKey = await TestCertificateAuthority.KeygenAsync(_dir, "ssh_host_misnamed_key", cancellationToken: cancellationToken);
        string certificate = await _hostCa.SignAsync(hostKey, "misnamed", "elsewhere.example", host: true, cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken, $"HostKey {hostKey}", $"HostCertificate {certificate}");
        SshPublicKey ca = PublicKeyFile.Load(_hostCa.PublicKeyPath).Key;
        SshPublicKey plain = PublicKeyFile.Load(hostKey + ".pub").Key;

        await using (var client = new SshClient())
        {
            client.GetHostKeys().AddCertificateAuthority("*", ca);
            var e = Assert.CatchAsync<SshException>(() => client.ConnectAsync(target.Host, target.Port, target.UserName,
                keyFilename: [target.KeyPath], allowAgent: false, lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken));
            Assert.That(e!.Message, Does.Contain("not in known_hosts").And.Contain(plain.GetFingerprint()));
        }
        await using (var client = new SshClient())
        {
            client.GetHostKeys().AddCertificateAuthority("*", ca);
            client.GetHostKeys().Add($"[{target.Host}]:{target.Port}", plain.KeyType, plain);
            await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [target.KeyPath], allowAgent: false,
                lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            Assert.That(client.GetTransport()!.IsAuthenticated, Is.True);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sshcs_exec_presents_the_certificate_beside_its_identity(CancellationToken cancellationToken)
    {
        string key = await TestCertificateAuthority.KeygenAsync(_dir, "id_exec", cancellationToken: cancellationToken);
        await _userCa.SignAsync(key, "exec", TestUser.Name, cancellationToken: cancellationToken);
        await using var target = await StartSshdAsync(cancellationToken);
        string knownHosts = Path.Combine(_dir, "known_hosts_exec");
        await File.WriteAllTextAsync(knownHosts, $"[{target.Host}]:{target.Port} {target.HostPublicKey}\n", cancellationToken);

        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", "-p", target.Port.ToString(), "-i", key, "--known-hosts", knownHosts,
             $"{target.UserName}@{target.Host}", "echo via-cert"], timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + target.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("via-cert\n"));
        Assert.That(target.LogTail(400), Does.Contain("ID exec"));
    }
}
