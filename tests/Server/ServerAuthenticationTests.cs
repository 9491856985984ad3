using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Server;

/// <summary>The server's authentication rules, over an in-memory connection: the standard order, limits on
/// failures, consistency of the user name, nothing of the connection protocol before success, the grace time.</summary>
[TestFixture]
public sealed class ServerAuthenticationTests
{
    private sealed class PasswordOnly : ServerInterface
    {
        public int PasswordChecks;

        public override string GetAllowedAuths(string username) => "password,publickey";

        public override AuthenticationResult CheckAuthPassword(string username, string password)
        {
            Interlocked.Increment(ref PasswordChecks);
            return username == "alice" && password == "secret" ? AuthenticationResult.Successful : AuthenticationResult.Failed;
        }

        public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => AuthenticationResult.Failed;
    }

    private static (SshTransport Server, Task<string> Started, DuplexPipeStream ClientStream) StartServer(ServerInterface iface,
        ServerConnectionOptions? options = null)
    {
        var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
        var server = new SshTransport(serverStream);
        server.AddServerKey(Ed25519PrivateKey.Generate());
        Task<string> started = server.StartServerAsync(iface, options);
        return (server, started, clientStream);
    }

    [Test, CancelAfter(10_000)]
    public async Task Password_authentication_succeeds_and_reports_the_user(CancellationToken cancellationToken)
    {
        var (server, started, clientStream) = StartServer(new PasswordOnly());
        await using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        await client.ConnectAsync("test", 22, "alice", password: "secret", lookForKeys: false, sock: clientStream, cancellationToken: cancellationToken);
        Assert.That(await started.WaitAsync(cancellationToken), Is.EqualTo("alice"));
        Assert.That(server.IsAuthenticated, Is.True);
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task Six_failures_disconnect_with_no_more_auth_methods(CancellationToken cancellationToken)
    {
        var iface = new PasswordOnly();
        var (server, started, clientStream) = StartServer(iface);
        var transport = new SshTransport(clientStream);
        await transport.StartClientAsync(cancellationToken: cancellationToken);
        for (int i = 0; i < 5; i++)
            Assert.ThrowsAsync<AuthenticationException>(() => transport.AuthPasswordAsync("alice", "wrong" + i, cancellationToken));
        var last = Assert.CatchAsync<SshException>(() => transport.AuthPasswordAsync("alice", "wrong-again", cancellationToken));
        Assert.That(last, Is.Not.Null);
        var serverError = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(cancellationToken));
        Assert.That(serverError!.Reason, Is.EqualTo(DisconnectReason.NoMoreAuthMethodsAvailable));
        Assert.That(iface.PasswordChecks, Is.EqualTo(6));
        await transport.DisposeAsync();
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task Changing_the_user_between_attempts_disconnects(CancellationToken cancellationToken)
    {
        var (server, started, clientStream) = StartServer(new PasswordOnly());
        var transport = new SshTransport(clientStream);
        await transport.StartClientAsync(cancellationToken: cancellationToken);
        Assert.ThrowsAsync<AuthenticationException>(() => transport.AuthPasswordAsync("alice", "wrong", cancellationToken));
        Assert.CatchAsync<SshException>(() => transport.AuthPasswordAsync("mallory", "secret", cancellationToken));
        var serverError = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(cancellationToken));
        Assert.That(serverError!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        await transport.DisposeAsync();
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task A_channel_open_before_authentication_disconnects(CancellationToken cancellationToken)
    {
        var (server, started, clientStream) = StartServer(new PasswordOnly());
        var session = new SshSession(clientStream, SessionRole.Client, new TransportSettings());
        await session.StartAsync(cancellationToken);
        await session.SendAsync(new ChannelOpenMessage("session", 0, 65536, 32768, ReadOnlyMemory<byte>.Empty), cancellationToken);
        var serverError = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(cancellationToken));
        Assert.That(serverError!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        await session.DisposeAsync();
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task The_login_grace_time_ends_an_idle_unauthenticated_connection(CancellationToken cancellationToken)
    {
        var (server, started, clientStream) = StartServer(new PasswordOnly(), new ServerConnectionOptions { LoginGraceTime = TimeSpan.FromMilliseconds(500) });
        var transport = new SshTransport(clientStream);
        await transport.StartClientAsync(cancellationToken: cancellationToken);
        var serverError = Assert.ThrowsAsync<TimeoutException>(() => started.WaitAsync(cancellationToken));
        Assert.That(serverError!.Message, Does.Contain("grace"));
        // The client is still told why, with a DISCONNECT.
        var clientError = Assert.CatchAsync<SshProtocolException>(() => transport.Completion.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken));
        Assert.That(clientError!.SentByPeer, Is.True);
        await transport.DisposeAsync();
        await server.DisposeAsync();
    }

    [Test, CancelAfter(10_000)]
    public async Task A_publickey_signature_over_the_wrong_session_is_refused(CancellationToken cancellationToken)
    {
        var key = Ed25519PrivateKey.Generate();
        var iface = new KeyOnly(key.PublicKey);
        var (server, started, clientStream) = StartServer(iface);
        var session = new SshSession(clientStream, SessionRole.Client, new TransportSettings());
        await session.StartAsync(cancellationToken);
        await session.SendAsync(new ServiceMessage(MessageNumber.ServiceRequest, "ssh-userauth"), cancellationToken);
        await session.ReceiveServiceMessageAsync(cancellationToken);
        byte[] blob = key.PublicKey.GetBlob();
        // Signed over a made-up session id: a replayed or forged signature must not pass.
        byte[] forged = new SshBuffer().WriteString(new byte[32]).WriteByte(50).WriteString("alice").WriteString("ssh-connection")
            .WriteString("publickey").WriteBoolean(true).WriteString("ssh-ed25519").WriteString(blob).ToArray();
        byte[] fields = new SshBuffer().WriteBoolean(true).WriteString("ssh-ed25519").WriteString(blob).WriteString(key.Sign(forged)).ToArray();
        await session.SendAsync(new UserauthRequestMessage("alice", "ssh-connection", "publickey", fields), cancellationToken);
        byte[] reply = await session.ReceiveServiceMessageAsync(cancellationToken);
        Assert.That(reply[0], Is.EqualTo((byte)MessageNumber.UserauthFailure));
        Assert.That(server.IsAuthenticated, Is.False);
        Assert.That(started.IsCompleted, Is.False);
        await session.DisposeAsync();
        await server.DisposeAsync();
    }

    [TestCase(true), TestCase(false)]
    [CancelAfter(10_000)]
    public async Task A_host_bound_request_must_name_this_servers_host_key(bool rightHostKey, CancellationToken cancellationToken)
    {
        var key = Ed25519PrivateKey.Generate();
        var (server, started, clientStream) = StartServer(new KeyOnly(key.PublicKey));
        var session = new SshSession(clientStream, SessionRole.Client, new TransportSettings());
        await session.StartAsync(cancellationToken);
        await session.SendAsync(new ServiceMessage(MessageNumber.ServiceRequest, "ssh-userauth"), cancellationToken);
        await session.ReceiveServiceMessageAsync(cancellationToken);
        Assert.That(session.ServerSupportsHostBoundPublicKey, Is.True, "the server announces publickey-hostbound@openssh.com");
        const string method = "publickey-hostbound-v00@openssh.com";
        byte[] blob = key.PublicKey.GetBlob();
        byte[] hostKey = rightHostKey ? session.HostKeyBlob! : Ed25519PrivateKey.Generate().PublicKey.GetBlob();
        byte[] signedData = new SshBuffer().WriteString(session.SessionId!).WriteByte(50).WriteString("alice").WriteString("ssh-connection")
            .WriteString(method).WriteBoolean(true).WriteString("ssh-ed25519").WriteString(blob).WriteString(hostKey).ToArray();
        byte[] fields = new SshBuffer().WriteBoolean(true).WriteString("ssh-ed25519").WriteString(blob).WriteString(hostKey)
            .WriteString(key.Sign(signedData)).ToArray();
        await session.SendAsync(new UserauthRequestMessage("alice", "ssh-connection", method, fields), cancellationToken);
        if (rightHostKey)
        {
            byte[] reply = await session.ReceiveServiceMessageAsync(cancellationToken);
            Assert.That(reply[0], Is.EqualTo((byte)MessageNumber.UserauthSuccess));
            Assert.That(await started.WaitAsync(cancellationToken), Is.EqualTo("alice"));
            Assert.That(server.AuthenticationMethod, Is.EqualTo("publickey"));
        }
        else
        {
            // A signature made for another server (a relay in the middle): the connection ends, as in OpenSSH.
            var serverError = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(cancellationToken));
            Assert.That(serverError!.Message, Does.Contain("host key"));
        }
        await session.DisposeAsync();
        await server.DisposeAsync();
    }

    /// <summary>Records whether OnAuthenticated (with the key) came before the first channel request.</summary>
    private sealed class OrderWatcher(SshPublicKey allowed) : ServerInterface
    {
        public volatile bool Authenticated;
        public volatile bool ChannelBeforeAuthenticated;
        public SshPublicKey? KeySeen;

        public override string GetAllowedAuths(string username) => "publickey";

        public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) =>
            key.Equals(allowed) ? AuthenticationResult.Successful : AuthenticationResult.Failed;

        public override void OnAuthenticated(string username, string method)
        {
            KeySeen = Transport!.AuthenticatedPublicKey;
            Thread.Sleep(50); // a slow decision must still come first
            Authenticated = true;
        }

        public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId)
        {
            if (!Authenticated) ChannelBeforeAuthenticated = true;
            return null;
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task OnAuthenticated_settles_before_any_channel_request_is_decided(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 5; i++)
        {
            var key = Ed25519PrivateKey.Generate();
            var iface = new OrderWatcher(key.PublicKey);
            var (server, started, clientStream) = StartServer(iface);
            var transport = new SshTransport(clientStream);
            await transport.StartClientAsync(cancellationToken: cancellationToken);
            await transport.AuthPublicKeyAsync("alice", key, cancellationToken);
            await transport.OpenSessionAsync(cancellationToken);
            Assert.That(iface.ChannelBeforeAuthenticated, Is.False);
            Assert.That(iface.KeySeen, Is.EqualTo(key.PublicKey));
            await transport.DisposeAsync();
            await server.DisposeAsync();
        }
    }

    private sealed class KeyOnly(SshPublicKey allowed) : ServerInterface
    {
        public override string GetAllowedAuths(string username) => "publickey";

        public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) =>
            key.Equals(allowed) ? AuthenticationResult.Successful : AuthenticationResult.Failed;
    }

    private sealed class TwoRounds : ServerInterface
    {
        public override string GetAllowedAuths(string username) => "keyboard-interactive";

        public override InteractiveQuery? CheckAuthInteractive(string username, string submethods) =>
            new("login", "two questions", [new InteractivePrompt("Name: ", true), new InteractivePrompt("Pin: ", false)]);

        public override (AuthenticationResult Result, InteractiveQuery? Next) CheckAuthInteractiveResponse(string username, IReadOnlyList<string> responses) =>
            responses switch
            {
                ["alice", "1234"] => (AuthenticationResult.Failed, new InteractiveQuery("otp", "", "Code: ")),
                ["999999"] => (AuthenticationResult.Successful, null),
                _ => (AuthenticationResult.Failed, null),
            };
    }

    [Test, CancelAfter(10_000)]
    public async Task Keyboard_interactive_runs_several_rounds(CancellationToken cancellationToken)
    {
        var (server, started, clientStream) = StartServer(new TwoRounds());
        var transport = new SshTransport(clientStream);
        await transport.StartClientAsync(cancellationToken: cancellationToken);
        var seen = new List<string>();
        await transport.AuthInteractiveAsync("alice", query =>
        {
            seen.AddRange(query.Prompts.Select(p => p.Text + (p.Echo ? "(echo)" : "")));
            return query.Prompts.Count == 2 ? ["alice", "1234"] : ["999999"];
        }, cancellationToken: cancellationToken);
        Assert.That(seen, Is.EqualTo(new[] { "Name: (echo)", "Pin: ", "Code: " }));
        Assert.That(await started.WaitAsync(cancellationToken), Is.EqualTo("alice"));
        Assert.That(transport.AuthenticationMethod, Is.EqualTo("keyboard-interactive"));
        await transport.DisposeAsync();
        await server.DisposeAsync();
    }
}
