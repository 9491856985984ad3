using NUnit.Framework;
using Ssh.Client;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Tests.EndToEnd;

/// <summary>SshClient's authentication and host key decisions against <see cref="TestServer"/>.</summary>
public sealed class ClientPolicyTests
{
    [Test, CancelAfter(10_000)]
    public async Task WrongPassword_IsAnAuthenticationErrorListingTheAllowedMethods(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());

        var e = Assert.ThrowsAsync<AuthenticationException>(() => client.ConnectAsync("testhost", username: TestServer.User,
            password: "wrong", lookForKeys: false, sock: clientStream, cancellationToken: ct));

        Assert.That(e!.AllowedMethods, Is.EquivalentTo(new[] { "password", "publickey" }));
        Assert.That(server.AuthAttempts, Is.EqualTo(new[] { "none", "password" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task RejectPolicy_RefusesAnUnknownHostBeforeAuthenticating(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshClient(); // RejectPolicy is the default

        var e = Assert.CatchAsync<SshException>(() => client.ConnectAsync("testhost", username: TestServer.User,
            password: TestServer.Password, lookForKeys: false, sock: clientStream, cancellationToken: ct));

        Assert.That(e, Is.TypeOf<SshException>());
        Assert.That(e!.Message, Does.Contain("not in known_hosts").And.Contain(server.HostKey.PublicKey.GetFingerprint()));
        Assert.That(async () => await server.Run.WaitAsync(ct), Throws.InstanceOf<SshException>(), "the server saw the connection drop");
        Assert.That(server.AuthAttempts, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task ChangedHostKey_IsABadHostKeyError(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy()); // must not apply: the host is known, with another key
        using var oldKey = Ed25519PrivateKey.Generate();
        client.GetHostKeys().Add("testhost", oldKey.PublicKey.KeyType, oldKey.PublicKey);

        var e = Assert.ThrowsAsync<BadHostKeyException>(() => client.ConnectAsync("testhost", username: TestServer.User,
            password: TestServer.Password, lookForKeys: false, sock: clientStream, cancellationToken: ct));

        Assert.That(e!.Host, Is.EqualTo("testhost"));
        Assert.That(e.ExpectedFingerprint, Is.EqualTo(oldKey.PublicKey.GetFingerprint()));
        Assert.That(e.ReceivedFingerprint, Is.EqualTo(server.HostKey.PublicKey.GetFingerprint()));
        Assert.That(server.AuthAttempts, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public async Task KnownHostKey_IsAccepted(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshClient();
        client.GetHostKeys().Add("testhost", server.HostKey.PublicKey.KeyType, server.HostKey.PublicKey);

        await client.ConnectAsync("testhost", username: TestServer.User, password: TestServer.Password, lookForKeys: false,
            sock: clientStream, cancellationToken: ct);

        Assert.That(client.GetTransport()!.IsAuthenticated, Is.True);
    }
}
