using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Server;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Server;

/// <summary>Authentication cannot be probed cheaply (hardening issue, finding 4), and neither side waits without a
/// bound for a peer that says nothing (finding 6).</summary>
[TestFixture]
public sealed class AuthenticationHardeningTests
{
    private sealed class OneUser(SshPublicKey allowed) : ServerInterface
    {
        public override string GetAllowedAuths(string username) => "publickey,password";

        public override AuthenticationResult CheckAuthPassword(string username, string password) =>
            username == "alice" && password == "secret" ? AuthenticationResult.Successful : AuthenticationResult.Failed;

        public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) =>
            username == "alice" && key.Equals(allowed) ? AuthenticationResult.Successful : AuthenticationResult.Failed;
    }

    private static (SshTransport Server, Task<string> Started, DuplexPipeStream ClientStream, List<string> Failures) StartServer(
        ServerConnectionOptions? options = null)
    {
        var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
        var server = new SshTransport(serverStream);
        server.AddServerKey(Ed25519PrivateKey.Generate());
        var failures = new List<string>();
        server.AuthenticationFailed += (user, method) =>
        {
            lock (failures) failures.Add($"{method} for {user}");
        };
        Task<string> started = server.StartServerAsync(new OneUser(Ed25519PrivateKey.Generate().PublicKey), options);
        return (server, started, clientStream, failures);
    }

    [Test, CancelAfter(20_000)]
    public async Task Refused_publickey_queries_count_toward_MaxAuthTries(CancellationToken ct)
    {
        var (server, started, clientStream, failures) = StartServer(new ServerConnectionOptions { FailedAuthenticationDelay = TimeSpan.Zero });
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(cancellationToken: ct);
        // Each AuthPublicKey with a key the server does not take is one refused query (no signature is ever made).
        for (int i = 0; i < 5; i++)
            Assert.ThrowsAsync<AuthenticationException>(() => client.AuthPublicKeyAsync("alice", Ed25519PrivateKey.Generate(), ct));
        Assert.CatchAsync<SshException>(() => client.AuthPublicKeyAsync("alice", Ed25519PrivateKey.Generate(), ct));
        var error = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(ct));
        Assert.That(error!.Reason, Is.EqualTo(DisconnectReason.NoMoreAuthMethodsAvailable));
        lock (failures) Assert.That(failures, Has.Count.EqualTo(6).And.All.EqualTo("publickey for alice"));
        await server.DisposeAsync();
    }

    [TestCase("password", "alice"), TestCase("password", "nobody"), TestCase("publickey", "alice"), TestCase("publickey", "nobody")]
    [CancelAfter(20_000)]
    public async Task A_refused_attempt_is_answered_after_the_same_delay_whatever_the_method_and_user(string method, string user, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(300);
        var (server, _, clientStream, failures) = StartServer(new ServerConnectionOptions { FailedAuthenticationDelay = delay });
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(cancellationToken: ct);
        await client.AuthNoneAsync(user, ct); // the service request, out of the timing

        var clock = Stopwatch.StartNew();
        Assert.CatchAsync<AuthenticationException>(() => method == "password"
            ? client.AuthPasswordAsync(user, "wrong", ct)
            : client.AuthPublicKeyAsync(user, Ed25519PrivateKey.Generate(), ct));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(delay - TimeSpan.FromMilliseconds(20)));
        lock (failures) Assert.That(failures, Is.EqualTo(new[] { $"{method} for {user}" }), "one log line per refused attempt");
        await server.DisposeAsync();
    }

    [Test, CancelAfter(20_000)]
    public async Task Endless_none_requests_end_the_connection(CancellationToken ct)
    {
        var (server, started, clientStream, _) = StartServer();
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(cancellationToken: ct);
        Exception? last = null;
        for (int i = 0; i <= UserAuthServer.MaxRequests && last is null; i++)
        {
            try
            {
                await client.AuthNoneAsync("alice", ct);
            }
            catch (SshException e)
            {
                last = e;
            }
        }
        Assert.That(last, Is.Not.Null, "the server let the client ask forever");
        var error = Assert.CatchAsync<SshProtocolException>(() => started.WaitAsync(ct));
        Assert.That(error!.Message, Does.Contain($"more than {UserAuthServer.MaxRequests} authentication requests"));
        await server.DisposeAsync();
    }

    [Test, CancelAfter(20_000)]
    public async Task A_server_that_accepts_TCP_but_never_sends_a_version_line_fails_the_client_in_time(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var settings = new TransportSettings { VersionExchangeTimeout = TimeSpan.FromMilliseconds(500) };
        await using var client = await SshTransport.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port, settings, cancellationToken: ct);
        using Socket silent = await listener.AcceptAsync(ct);

        var clock = Stopwatch.StartNew();
        var error = Assert.ThrowsAsync<TimeoutException>(() => client.StartClientAsync(cancellationToken: ct));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(error!.Message, Does.Contain("no SSH version line within 0.5 s"));
    }

    [Test]
    public void The_default_handshake_deadlines_are_paramikos_15_seconds()
    {
        var settings = new TransportSettings();
        Assert.That(settings.VersionExchangeTimeout, Is.EqualTo(TimeSpan.FromSeconds(15)));
        Assert.That(settings.KeyExchangeTimeout, Is.EqualTo(TimeSpan.FromSeconds(15)));
    }

    [Test, CancelAfter(20_000)]
    public async Task A_client_that_says_nothing_is_dropped_by_the_server_in_time(CancellationToken ct)
    {
        var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
        await using var server = new SshTransport(serverStream, new TransportSettings { VersionExchangeTimeout = TimeSpan.FromMilliseconds(300) });
        server.AddServerKey(Ed25519PrivateKey.Generate());
        var error = Assert.ThrowsAsync<TimeoutException>(() => server.StartServerAsync(new OneUser(Ed25519PrivateKey.Generate().PublicKey), cancellationToken: ct));
        Assert.That(error!.Message, Does.Contain("is it an SSH client?"));
        clientStream.Dispose();
    }
}
