using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary>Agent forwarding both ways (PROTOCOL.agent): <c>sshcs exec -A</c> and <c>Connect(forwardAgent: true)</c>
/// to Debian's sshd, where <c>ssh-add -l</c> lists our agent's keys and <c>ssh</c> hops on to a second sshd with
/// them; OpenSSH's <c>ssh -A</c> to <c>sshcs server</c>, whose socket (0600 in a 0700 directory) relays to the
/// client's agent and is gone when the session ends.</summary>
[TestFixture]
public sealed class AgentForwardingTests
{
    private const int TimeoutMs = 120_000;

    private static async Task<(TestAgent Agent, string Fingerprint)> AgentWithKeyAsync(string keyPath, CancellationToken cancellationToken)
    {
        var agent = await TestAgent.StartAsync(cancellationToken: cancellationToken);
        await agent.AddAsync(keyPath);
        string fingerprint = await KeySet.FingerprintAsync(keyPath + ".pub", cancellationToken);
        return (agent, fingerprint);
    }

    private static string KnownHosts(ServerTarget target, string directory)
    {
        string path = Path.Combine(directory, $"known_hosts_{target.Port}");
        File.WriteAllText(path, $"[{target.Host}]:{target.Port} {target.HostPublicKey}\n");
        return path;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sshcs_exec_A_lets_ssh_add_on_sshd_list_our_agents_keys(CancellationToken cancellationToken)
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs the local sshd and our own agent.");
        await using var target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        var (agent, fingerprint) = await AgentWithKeyAsync(target.KeyPath, cancellationToken);
        await using var _ = agent;
        string knownHosts = KnownHosts(target, agent.Directory);

        async Task<ProcessResult> Exec(params string[] extra) => await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", .. extra, "-F", "/dev/null", "-p", target.Port.ToString(), "--known-hosts", knownHosts,
             $"{target.UserName}@{target.Host}", "ssh-add -l; echo \"sock=$SSH_AUTH_SOCK\""],
            environment: agent.Environment, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);

        var forwarded = await Exec("-A");
        Assert.That(forwarded.ExitCode, Is.EqualTo(0), forwarded.Describe() + target.LogTail());
        Assert.That(forwarded.Stdout, Does.Contain(fingerprint), "ssh-add on the server sees our agent's key");
        Assert.That(forwarded.Stdout, Does.Match("sock=/tmp/ssh-[^\\n]+/agent\\.\\d+"));

        var plain = await Exec();
        Assert.That(plain.Stdout, Does.Not.Contain(fingerprint));
        Assert.That(plain.Stdout, Does.Contain("sock=\n"), "without -A there is no agent on the server");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task The_forwarded_agent_carries_a_hop_to_a_second_sshd(CancellationToken cancellationToken)
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs two local sshd instances.");
        await using var first = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        await using var second = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        var (agent, _) = await AgentWithKeyAsync(first.KeyPath, cancellationToken);
        await using var _a = agent;
        string? previous = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        Environment.SetEnvironmentVariable("SSH_AUTH_SOCK", agent.SocketPath);
        try
        {
            await using var client = new SshClient();
            ClientTestSupport.TrustHostKey(client, first);
            // The key is only in the agent: the first login and the hop both sign there.
            await client.ConnectAsync(first.Host, first.Port, first.UserName, lookForKeys: false, forwardAgent: true,
                timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            string hop = $"ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null " +
                         $"-o LogLevel=ERROR -p {second.Port} {second.UserName}@{second.Host} 'echo hop-reached:$(whoami)'";
            var result = await ClientTestSupport.ExecAsync(client, hop, cancellationToken: cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr + first.LogTail() + second.LogTail());
            Assert.That(result.StdoutText, Is.EqualTo($"hop-reached:{second.UserName}\n"));
            Assert.That(second.LogTail(400), Does.Contain($"Accepted publickey for {second.UserName}"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SSH_AUTH_SOCK", previous);
        }
    }

    private static Task<ProcessResult> SshAsync(SshcsServerProcess server, TestAgent agent, string command, CancellationToken cancellationToken,
        params string[] extra) => SshAsync(server, server.ClientKeyPath, agent, command, cancellationToken, extra);

    private static Task<ProcessResult> SshAsync(SshcsServerProcess server, string identity, TestAgent agent, string command,
        CancellationToken cancellationToken, params string[] extra) =>
        ProcessRunner.RunAsync(PeerBinaries.Ssh,
        [
            .. extra, "-F", "/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", $"UserKnownHostsFile={server.KnownHostsPath}",
            "-o", "GlobalKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no",
            "-i", identity, "-p", server.Port.ToString(), $"{server.User}@{server.Host}", command,
        ], environment: agent.Environment, timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ssh_A_to_sshcs_server_gets_a_private_socket_that_relays_and_goes_away(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        string key = await TestCertificateAuthority.KeygenAsync(server.Directory, "agent_key", cancellationToken: cancellationToken);
        var (agent, fingerprint) = await AgentWithKeyAsync(key, cancellationToken);
        await using var _ = agent;

        var result = await SshAsync(server, agent,
            "ssh-add -l; echo \"sock=$SSH_AUTH_SOCK\"; stat -c '%a %U' \"$SSH_AUTH_SOCK\" \"$(dirname \"$SSH_AUTH_SOCK\")\"", cancellationToken, "-A");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + server.LogTail());
        Assert.That(result.Stdout, Does.Contain(fingerprint), "ssh-add on our server lists the client's key");
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string socket = lines.Single(l => l.StartsWith("sock=", StringComparison.Ordinal))["sock=".Length..];
        string user = Environment.UserName;
        Assert.That(lines[^2..], Is.EqualTo(new[] { $"600 {user}", $"700 {user}" }), "socket 0600 in a 0700 directory");
        for (int i = 0; i < 50 && (File.Exists(socket) || Directory.Exists(Path.GetDirectoryName(socket))); i++)
            await Task.Delay(100, cancellationToken);
        Assert.That(Directory.Exists(Path.GetDirectoryName(socket)), Is.False, "the socket and its directory go with the session");

        var without = await SshAsync(server, agent, "echo \"sock=$SSH_AUTH_SOCK\"", cancellationToken, "-a");
        Assert.That(without.Stdout, Is.EqualTo("sock=\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task No_agent_forwarding_in_authorized_keys_refuses_it(CancellationToken cancellationToken)
    {
        string dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "agent-refused-");
        try
        {
            string key = await TestCertificateAuthority.KeygenAsync(dir, "id_restricted", cancellationToken: cancellationToken);
            string authorized = Path.Combine(dir, "authorized_keys");
            await File.WriteAllTextAsync(authorized, "no-agent-forwarding " + await File.ReadAllTextAsync(key + ".pub", cancellationToken), cancellationToken);
            await using var server = await SshcsServerProcess.StartAsync(["--authorized-keys", authorized], cancellationToken);
            var (agent, _) = await AgentWithKeyAsync(key, cancellationToken);
            await using var _a = agent;
            var result = await SshAsync(server, key, agent, "echo \"sock=$SSH_AUTH_SOCK\"", cancellationToken, "-A");
            Assert.That(result.Stdout, Is.EqualTo("sock=\n"), result.Describe());
            Assert.That(server.Log, Does.Contain("agent forwarding refused"));
        }
        finally
        {
            OpenSshServer.TryDeleteDirectory(dir);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Our_client_forwards_to_our_server(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        string key = await TestCertificateAuthority.KeygenAsync(server.Directory, "agent_key2", cancellationToken: cancellationToken);
        var (agent, fingerprint) = await AgentWithKeyAsync(key, cancellationToken);
        await using var _ = agent;
        await using var client = new SshClient();
        client.LoadHostKeys(server.KnownHostsPath);
        await client.ConnectAsync(server.Host, server.Port, server.User, keyFilename: [server.ClientKeyPath], allowAgent: false, lookForKeys: false,
            forwardAgent: true, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        client.GetTransport()!.ForwardAgent(agent.SocketPath);
        var result = await ClientTestSupport.ExecAsync(client, "ssh-add -l", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Does.Contain(fingerprint), result.Stderr + server.LogTail());
    }
}
