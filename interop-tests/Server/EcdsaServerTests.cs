using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>OpenSSH's ssh against <c>sshcs server</c> with an ECDSA host key and an ECDSA user key (RFC 5656).</summary>
[TestFixture]
public sealed class EcdsaServerTests
{
    private const int TimeoutMs = 60_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ssh_verifies_an_ecdsa_host_key_and_logs_in_with_an_ecdsa_key(CancellationToken cancellationToken)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-ecdsa-");
        string hostKey = Path.Combine(directory, "host_ecdsa384");
        string userKey = Path.Combine(directory, "id_ecdsa521");
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ecdsa", "-b", "384", "-f", hostKey], TimeSpan.FromSeconds(30), cancellationToken);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ecdsa", "-b", "521", "-f", userKey], TimeSpan.FromSeconds(30), cancellationToken);
        string authorized = Path.Combine(directory, "authorized_keys");
        await File.WriteAllTextAsync(authorized, await File.ReadAllTextAsync(userKey + ".pub", cancellationToken), cancellationToken);

        await using SshcsServerProcess server = await SshcsServerProcess.StartAsync(["--host-key", hostKey, "--authorized-keys", authorized], cancellationToken);
        string knownHosts = Path.Combine(directory, "known_hosts");
        string hostPublic = (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim();
        await File.WriteAllTextAsync(knownHosts, $"[{server.Host}]:{server.Port} {hostPublic}\n", cancellationToken);

        var result = await ProcessRunner.RunAsync(PeerBinaries.Ssh,
        [
            "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={knownHosts}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "HostKeyAlgorithms=ecdsa-sha2-nistp384", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-i", userKey, "-p", server.Port.ToString(), $"{server.User}@{server.Host}", "echo ecdsa-both-ways",
        ], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + "\n" + server.LogTail());
        Assert.That(result.Stdout, Is.EqualTo("ecdsa-both-ways\n"));
    }
}
