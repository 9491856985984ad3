using System.Text.RegularExpressions;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary>Keys held by OpenSSH's ssh-agent: listed, used to sign, never read from disk by us.</summary>
[TestFixture, NonParallelizable]
public sealed class ClientAgentTests : SharedServerFixture
{
    private const int TimeoutMs = 60_000;

    [TestCase("ed25519")]
    [TestCase("rsa")]
    [CancelAfter(TimeoutMs)]
    public async Task Connect_uses_a_key_held_by_the_agent(string keyType, CancellationToken cancellationToken)
    {
        if (keyType != "ed25519" && Target.Server is null) Assert.Ignore("Needs the local sshd's authorized_keys; an external server (SSH_INTEROP_HOST) cannot be changed.");
        string directory = Directory.CreateTempSubdirectory("sshcs-agent.").FullName;
        string keyPath = Target.KeyPath;
        if (keyType != "ed25519")
        {
            keyPath = Path.Combine(directory, "id_" + keyType);
            await ProcessRunner.RunCheckedAsync("ssh-keygen", ["-q", "-N", "", "-t", keyType, "-f", keyPath], TimeSpan.FromSeconds(30), cancellationToken);
            await File.AppendAllTextAsync(Path.Combine(Target.Server!.Directory, "authorized_keys"), await File.ReadAllTextAsync(keyPath + ".pub", cancellationToken), cancellationToken);
        }
        string socket = Path.Combine(directory, "agent.sock");
        var started = await ProcessRunner.RunAsync("ssh-agent", ["-a", socket, "-s"], timeout: TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
        Assert.That(started.ExitCode, Is.EqualTo(0), started.Describe());
        int agentPid = int.Parse(Regex.Match(started.Stdout, @"SSH_AGENT_PID=(\d+)").Groups[1].Value);
        string? previous = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        try
        {
            var env = new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = socket };
            var added = await ProcessRunner.RunAsync("ssh-add", [keyPath], environment: env, timeout: TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
            Assert.That(added.ExitCode, Is.EqualTo(0), added.Describe());

            await using (SshAgentClient? agent = await SshAgentClient.ConnectAsync(socket, cancellationToken))
            {
                Assert.That(agent, Is.Not.Null);
                var keys = await agent!.GetKeysAsync(cancellationToken);
                Assert.That(keys, Has.Count.EqualTo(1));
            }

            Environment.SetEnvironmentVariable("SSH_AUTH_SOCK", socket);
            await using var client = new SshClient();
            ClientTestSupport.TrustHostKey(client, Target);
            await client.ConnectAsync(Target.Host, Target.Port, Target.UserName, allowAgent: true, lookForKeys: false, cancellationToken: cancellationToken);
            Assert.That(client.GetTransport()!.AuthenticationMethod, Is.EqualTo("publickey"));
            var result = await ClientTestSupport.ExecAsync(client, "echo via-agent", cancellationToken: cancellationToken);
            Assert.That(result.StdoutText, Is.EqualTo("via-agent\n"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SSH_AUTH_SOCK", previous);
            try
            {
                System.Diagnostics.Process.GetProcessById(agentPid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            Directory.Delete(directory, recursive: true);
        }
    }
}
