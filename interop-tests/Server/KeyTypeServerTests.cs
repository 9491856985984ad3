using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>OpenSSH's ssh against <c>sshcs server</c> with ECDSA (RFC 5656) and RSA (RFC 8332) host and user keys.</summary>
[TestFixture]
public sealed class KeyTypeServerTests
{
    private const int TimeoutMs = 60_000;

    [TestCase("ecdsa", "384", "ecdsa-sha2-nistp384", "ecdsa", "521")]
    [TestCase("rsa", "2048", "rsa-sha2-512", "rsa", "2048")]
    [TestCase("rsa", "2048", "rsa-sha2-256", "ed25519", "256")]
    [TestCase("rsa", "2048", "ssh-rsa", "ed25519", "256")]
    [CancelAfter(TimeoutMs)]
    public async Task Ssh_verifies_the_host_key_and_logs_in_with_the_user_key(string hostType, string hostBits, string hostAlgorithm,
        string userType, string userBits, CancellationToken cancellationToken)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-keytypes-");
        string hostKey = Path.Combine(directory, $"host_{hostType}");
        string userKey = Path.Combine(directory, $"id_{userType}");
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", hostType, "-b", hostBits, "-f", hostKey], TimeSpan.FromSeconds(30), cancellationToken);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", userType, "-b", userBits, "-f", userKey], TimeSpan.FromSeconds(30), cancellationToken);
        string authorized = Path.Combine(directory, "authorized_keys");
        await File.WriteAllTextAsync(authorized, await File.ReadAllTextAsync(userKey + ".pub", cancellationToken), cancellationToken);

        // SHA-1 ssh-rsa only on request (the server is told to offer it).
        string[] offer = hostAlgorithm == "ssh-rsa" ? ["-o", "HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256,ssh-rsa"] : [];
        await using SshcsServerProcess server = await SshcsServerProcess.StartAsync(["--host-key", hostKey, "--authorized-keys", authorized, .. offer], cancellationToken);
        string knownHosts = Path.Combine(directory, "known_hosts");
        string hostPublic = (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim();
        await File.WriteAllTextAsync(knownHosts, $"[{server.Host}]:{server.Port} {hostPublic}\n", cancellationToken);

        var result = await ProcessRunner.RunAsync(PeerBinaries.Ssh,
        [
            "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", $"HostKeyAlgorithms={hostAlgorithm}", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-i", userKey, "-p", server.Port.ToString(), $"{server.User}@{server.Host}", "echo keys-both-ways",
        ], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + "\n" + server.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("keys-both-ways\n"));
    }
}
