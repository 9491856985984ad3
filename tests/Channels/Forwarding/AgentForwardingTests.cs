using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Channels.Forwarding;

/// <summary>The client's side of agent forwarding over an in-memory connection: the server's auth-agent@openssh.com
/// channels are refused until the application asks for forwarding, and then relayed to the local agent socket.</summary>
[TestFixture]
public sealed class AgentForwardingTests
{
    private sealed class PasswordServer : ServerInterface
    {
        public override string GetAllowedAuths(string username) => "password";
        public override AuthenticationResult CheckAuthPassword(string username, string password) => AuthenticationResult.Successful;
        public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) => null;
        public override bool CheckChannelForwardAgentRequest(Channel channel) => true;
    }

    [Test, CancelAfter(10_000)]
    public async Task Agent_channels_are_refused_until_forwarding_is_enabled_then_relayed(CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("sshcs-agentfwd-").FullName;
        try
        {
            await using EchoServer agent = EchoServer.StartUnix(Path.Combine(dir, "agent.sock"));
            var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
            await using var server = new SshTransport(serverStream);
            server.AddServerKey(Ed25519PrivateKey.Generate());
            Task<string> started = server.StartServerAsync(new PasswordServer(), cancellationToken: cancellationToken);
            await using var client = new SshClient();
            client.SetMissingHostKeyPolicy(new AutoAddPolicy());
            await client.ConnectAsync("h", username: "u", password: "p", allowAgent: false, lookForKeys: false, sock: clientStream,
                cancellationToken: cancellationToken);
            await started;

            var refused = Assert.ThrowsAsync<ChannelException>(() => server.OpenChannelAsync(ChannelTypes.AuthAgent, ReadOnlyMemory<byte>.Empty, cancellationToken));
            Assert.That(refused!.Reason, Is.EqualTo(ChannelOpenFailureReason.AdministrativelyProhibited));

            SshTransport transport = client.GetTransport()!;
            Channel session = await transport.OpenSessionAsync(cancellationToken);
            Assert.That(await session.RequestForwardAgentAsync(cancellationToken), Is.True);
            transport.ForwardAgent(agent.SocketPath);
            Channel relayed = await server.OpenChannelAsync(ChannelTypes.AuthAgent, ReadOnlyMemory<byte>.Empty, cancellationToken);
            await relayed.SendAllAsync("agent request"u8.ToArray(), cancellationToken);
            await relayed.ShutdownWriteAsync(cancellationToken);
            byte[] echoed = new byte[64];
            int total = 0, n;
            while ((n = await relayed.ReadAsync(echoed.AsMemory(total), cancellationToken)) > 0) total += n;
            Assert.That(echoed.AsSpan(0, total).ToArray(), Is.EqualTo("agent request"u8.ToArray()), "the bytes went to the local agent socket and back");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
