using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>OpenSSH's ssh against <c>sshcs server</c> with certificates made by <c>ssh-keygen -s</c>
/// (--trusted-user-ca-keys, --host-certificate, --revoked-keys) and with authorized_keys options.</summary>
[TestFixture]
public sealed class CertificateServerTests
{
    private const int TimeoutMs = 90_000;
    private string _dir = null!;
    private TestCertificateAuthority _userCa = null!;
    private TestCertificateAuthority _hostCa = null!;
    private string _hostKey = null!;
    private string _hostCertificate = null!;

    [OneTimeSetUp]
    public async Task CreateAuthorities()
    {
        _dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "certs-");
        _userCa = await TestCertificateAuthority.CreateAsync(_dir, "ed25519", "user_ca");
        _hostCa = await TestCertificateAuthority.CreateAsync(_dir, "ecdsa", "host_ca");
        _hostKey = await TestCertificateAuthority.KeygenAsync(_dir, "ssh_host_ed25519_key");
        _hostCertificate = await _hostCa.SignAsync(_hostKey, "sshcs-test-host", "127.0.0.1", host: true);
    }

    [OneTimeTearDown]
    public void RemoveAuthorities() => OpenSshServer.TryDeleteDirectory(_dir);

    private Task<SshcsServerProcess> StartAsync(CancellationToken cancellationToken, params string[] extra) =>
        SshcsServerProcess.StartAsync(["--host-key", _hostKey, "--host-certificate", _hostCertificate, "--trusted-user-ca-keys", _userCa.PublicKeyPath, .. extra],
            cancellationToken);

    /// <summary>A known_hosts file that knows the server only through the host CA.</summary>
    private string CaKnownHosts(SshcsServerProcess server)
    {
        string path = Path.Combine(_dir, $"known_hosts_{server.Port}");
        File.WriteAllText(path, $"@cert-authority [{server.Host}]:{server.Port} {_hostCa.PublicKeyLine}\n");
        return path;
    }

    private Task<ProcessResult> SshAsync(SshcsServerProcess server, string identity, string command, CancellationToken cancellationToken,
        params string[] extra) =>
        ProcessRunner.RunAsync(PeerBinaries.Ssh,
        [
            .. extra,
            "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={CaKnownHosts(server)}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "PasswordAuthentication=no", "-o", "ConnectTimeout=30", "-i", identity, "-p", server.Port.ToString(), $"{server.User}@{server.Host}", command,
        ], timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);

    private async Task<string> UserKeyAsync(string name, string? principals, params string[] options)
    {
        string key = await TestCertificateAuthority.KeygenAsync(_dir, name);
        if (principals is not null) await _userCa.SignAsync(key, name + "-id", principals, options: options);
        return key;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_user_certificate_logs_in_and_the_host_certificate_satisfies_cert_authority(CancellationToken cancellationToken)
    {
        string key = await UserKeyAsync("id_alice", SshcsServerProcess.DefaultUser);
        await using var server = await StartAsync(cancellationToken);

        var result = await SshAsync(server, key, "echo certified", cancellationToken, "-v");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + server.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("certified\n"));
        Assert.That(result.Stderr, Does.Contain("Server host certificate: ssh-ed25519-cert-v01@openssh.com"));
        Assert.That(result.Stderr, Does.Contain("matches the ED25519-CERT host certificate"));
        Assert.That(result.Stderr, Does.Contain("ED25519-CERT").And.Contain("Offering public key"));
        Assert.That(server.Log, Does.Contain("logged in with ssh-ed25519-cert-v01@openssh.com").And.Contain("certificate ID \"id_alice-id\""));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_cert_authority_line_admits_certificates_naming_its_principals_and_ssh_binds_them_to_our_host_key(CancellationToken cancellationToken)
    {
        string deploy = await UserKeyAsync("id_deploy", "deploy");
        string other = await UserKeyAsync("id_not_deploy", SshcsServerProcess.DefaultUser);
        string authorized = Path.Combine(_dir, "authorized_keys_ca");
        await File.WriteAllTextAsync(authorized, $"cert-authority,principals=\"deploy\",no-port-forwarding {_userCa.PublicKeyLine}\n", cancellationToken);
        await using var server = await SshcsServerProcess.StartAsync(["--host-key", _hostKey, "--host-certificate", _hostCertificate, "--authorized-keys", authorized],
            cancellationToken);

        var result = await SshAsync(server, deploy, "echo via-cert-authority", cancellationToken, "-vvv");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + server.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("via-cert-authority\n"));
        // OpenSSH 8.9+ binds the signature to our host key when we announce publickey-hostbound@openssh.com.
        Assert.That(result.Stderr, Does.Contain("publickey-hostbound-v00@openssh.com"));

        var refused = await SshAsync(server, other, "true", cancellationToken);
        Assert.That(refused.ExitCode, Is.EqualTo(255), "its principal is the user name, not one of principals=");
        Assert.That(server.Log, Does.Contain("the certificate lists none of the principals deploy"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Force_command_replaces_the_command_which_goes_to_SSH_ORIGINAL_COMMAND(CancellationToken cancellationToken)
    {
        string key = await UserKeyAsync("id_forced", SshcsServerProcess.DefaultUser, "-O", "force-command=echo forced:$SSH_ORIGINAL_COMMAND");
        await using var server = await StartAsync(cancellationToken);

        var result = await SshAsync(server, key, "whoami", cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + server.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("forced:whoami\n"));
    }

    [TestCase("127.0.0.0/8,::1", true)]
    [TestCase("192.0.2.0/24", false)]
    [CancelAfter(TimeoutMs)]
    public async Task Source_address_admits_only_its_networks(string sourceAddress, bool admitted, CancellationToken cancellationToken)
    {
        string key = await UserKeyAsync($"id_source_{admitted}", SshcsServerProcess.DefaultUser, "-O", $"source-address={sourceAddress}");
        await using var server = await StartAsync(cancellationToken);

        var result = await SshAsync(server, key, "echo in", cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(admitted ? 0 : 255), result.Describe() + server.LogTail());
        if (!admitted) Assert.That(server.Log, Does.Contain("is not in source-address 192.0.2.0/24"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_certificate_for_another_principal_or_from_a_revoked_CA_is_refused(CancellationToken cancellationToken)
    {
        string other = await UserKeyAsync("id_other", "someone-else");
        string good = await UserKeyAsync("id_good", SshcsServerProcess.DefaultUser);
        await using (var server = await StartAsync(cancellationToken))
        {
            var result = await SshAsync(server, other, "true", cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
            Assert.That(server.Log, Does.Contain("name is not a listed principal"));
        }
        await using (var server = await StartAsync(cancellationToken, "--revoked-keys", _userCa.PublicKeyPath))
        {
            var result = await SshAsync(server, good, "true", cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(255), result.Describe());
            Assert.That(server.Log, Does.Contain("the certificate's CA is revoked"));
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Authorized_keys_options_are_enforced(CancellationToken cancellationToken)
    {
        string forced = await UserKeyAsync("id_opt_command", null);
        string remote = await UserKeyAsync("id_opt_from", null);
        string restricted = await UserKeyAsync("id_opt_restrict", null);
        string environment = await UserKeyAsync("id_opt_env", null);
        string Pub(string key) => File.ReadAllText(key + ".pub").Trim();
        string authorized = Path.Combine(_dir, "authorized_keys_options");
        // The port of the one destination permitopen allows is only known once the server runs: 1 is a placeholder
        // that ssh -W to the server's own port must not match, so the allowed case uses a second server below.
        await File.WriteAllTextAsync(authorized,
            $"command=\"echo cmd:$SSH_ORIGINAL_COMMAND; tty\",no-pty {Pub(forced)}\n" +
            $"from=\"192.0.2.1\" {Pub(remote)}\n" +
            $"restrict,port-forwarding,permitopen=\"127.0.0.1:1\" {Pub(restricted)}\n" +
            $"environment=\"SSHCS_FROM_KEY=yes\" {Pub(environment)}\n", cancellationToken);
        await using var server = await StartAsync(cancellationToken, "--authorized-keys", authorized, "--permit-user-environment");

        var command = await SshAsync(server, forced, "id", cancellationToken);
        Assert.That(command.ExitCode, Is.EqualTo(1), command.Describe());
        Assert.That(command.Stdout, Is.EqualTo("cmd:id\nnot a tty\n"));
        // no-pty: ssh -tt asked for a terminal, was refused, and gives up (a forced tty is not optional to ssh).
        var noPty = await SshAsync(server, forced, "id", cancellationToken, "-tt");
        Assert.That(noPty.ExitCode, Is.EqualTo(255), noPty.Describe());
        Assert.That(noPty.Stderr, Does.Contain("PTY allocation request failed"));

        var from = await SshAsync(server, remote, "true", cancellationToken);
        Assert.That(from.ExitCode, Is.EqualTo(255), from.Describe());
        Assert.That(server.Log, Does.Contain("is not in from=\"192.0.2.1\""));

        var refusedForward = await SshAsync(server, restricted, "", cancellationToken, "-W", $"127.0.0.1:{server.Port}");
        Assert.That(refusedForward.ExitCode, Is.EqualTo(255), refusedForward.Describe());
        Assert.That(refusedForward.Stderr, Does.Contain("administratively prohibited"));
        var pty = await SshAsync(server, restricted, "tty", cancellationToken, "-tt");
        Assert.That(pty.Stderr, Does.Contain("PTY allocation request failed"), "restrict takes the pty away");

        var env = await SshAsync(server, environment, "echo from-key=$SSHCS_FROM_KEY", cancellationToken);
        Assert.That(env.Stdout, Is.EqualTo("from-key=yes\n"), env.Describe());
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Permitopen_lets_through_only_its_destination(CancellationToken cancellationToken)
    {
        // The destination: a second server, whose port is known before the authorized_keys file is written.
        await using var target = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        string key = await UserKeyAsync("id_permitopen", null);
        string authorized = Path.Combine(_dir, "authorized_keys_permitopen");
        await File.WriteAllTextAsync(authorized, $"permitopen=\"127.0.0.1:{target.Port}\" {File.ReadAllText(key + ".pub").Trim()}\n", cancellationToken);
        await using var server = await StartAsync(cancellationToken, "--authorized-keys", authorized);

        var allowed = await SshAsync(server, key, "", cancellationToken, "-W", $"127.0.0.1:{target.Port}");
        Assert.That(allowed.Stdout, Does.StartWith("SSH-2.0-"), allowed.Describe());
        var refused = await SshAsync(server, key, "", cancellationToken, "-W", $"127.0.0.1:{server.Port}");
        Assert.That(refused.Stderr, Does.Contain("administratively prohibited"), refused.Describe());
    }
}
