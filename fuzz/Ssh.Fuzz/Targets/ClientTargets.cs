using System.Net.Sockets;
using System.Text;
using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Fuzz.Targets;

/// <summary>The client's own inputs: ssh_config, and the replies of an ssh-agent.</summary>
internal static class ClientTargets
{
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new("ssh-config", "SshConfig.ParseUntrusted (ssh_config(5): no Include, no Match exec) and Lookup with every typed value",
            SshConfigFile, typeof(FormatException), typeof(ArgumentException));
        yield return new("agent-replies", "SshAgentClient: the agent's identities and sign replies (PROTOCOL.agent), from a fake agent",
            AgentReplies, typeof(SshException));
    }

    private static readonly string[] Hosts = ["example.com", "db.internal.example", "10.0.0.1", "[::1]", "ALIAS"];

    private static void SshConfigFile(byte[] input)
    {
        // Parse, not ParseUntrusted, would run Match exec commands the fuzzer writes.
        SshConfig config = SshConfig.ParseUntrusted(Encoding.UTF8.GetString(input));
        foreach (string host in Hosts)
        {
            SshConfigEntry entry = config.Lookup(host, host == "ALIAS" ? "root" : null);
            _ = entry.HostName;
            _ = entry.User;
            _ = entry.Port;
            _ = entry.IdentityFiles.Count;
            _ = (entry.CertificateFiles, entry.ProxyJump, entry.ProxyCommand, entry.UserKnownHostsFiles, entry.StrictHostKeyChecking,
                entry.ServerAliveInterval, entry.ServerAliveCountMax, entry.ConnectTimeout, entry.Compression, entry.ForwardAgent,
                entry.IdentityAgent, entry.IdentitiesOnly, entry.HashKnownHosts);
            entry.ApplyAlgorithms(new TransportSettings());
            foreach (string keyword in entry.Keywords) _ = entry.GetAll(keyword);
        }
    }

    /// <summary>A Unix socket standing in for the agent: each input is one connection, whose reply is the input
    /// after its first byte (length header included, so the length checks are fuzzed too), then end of stream. The
    /// first byte picks the request: the key list, or a signature by one of the test keys.</summary>
    private static void AgentReplies(byte[] input)
    {
        Socket listener = FakeAgent.Value;
        using SshAgentClient? agent = SshAgentClient.ConnectAsync(SocketPath).GetAwaiter().GetResult();
        if (agent is null) throw new InvalidOperationException("The fake agent's socket cannot be reached.");
        using Socket server = listener.Accept();
        Task request = (input.Length == 0 ? 0 : input[0] % 3) switch
        {
            0 => agent.GetKeysAsync(),
            1 => agent.SignAsync(TestKeys.Ed25519.PublicKey, "data"u8.ToArray(), null, CancellationToken.None),
            _ => agent.SignAsync(TestKeys.All[^1].PublicKey, "data"u8.ToArray(), "rsa-sha2-256", CancellationToken.None),
        };
        try
        {
            server.Send(input.Length == 0 ? default : input.AsSpan(1));
            server.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The client gave up reading (a bad length) and closed its end first.
        }
        // A client still waiting after the reply ended is a hang: WaitAsync's TimeoutException is a finding.
        request.WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    private static readonly string SocketPath = Path.Combine(Path.GetTempPath(), $"sshcs-fuzz-agent-{Environment.ProcessId}.sock");

    private static readonly Lazy<Socket> FakeAgent = new(() =>
    {
        File.Delete(SocketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(SocketPath));
        socket.Listen(4);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(SocketPath);
        return socket;
    });
}
