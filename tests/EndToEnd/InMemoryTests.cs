using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.Keys;

namespace Ssh.Tests.EndToEnd;

/// <summary>Our client against <see cref="TestServer"/> over a buffered in-memory duplex stream.</summary>
public sealed class InMemoryTests
{
    private readonly List<IAsyncDisposable> _cleanup = [];

    [TearDown]
    public async Task TearDown()
    {
        foreach (IAsyncDisposable d in _cleanup) await d.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _cleanup.Clear();
    }

    private async Task<(SshTransport Client, TestServer Server)> ConnectAsync(CancellationToken ct,
        TransportSettings? clientSettings = null, TransportSettings? serverSettings = null)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var server = new TestServer(serverStream, serverSettings);
        var client = new SshTransport(clientStream, clientSettings);
        _cleanup.Add(client);
        _cleanup.Add(server);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync(TestServer.User, TestServer.Password, ct);
        return (client, server);
    }

    private static async Task<(string Stdout, string Stderr, int Status)> ExecAsync(SshTransport client, string command, CancellationToken ct)
    {
        Channel channel = await client.OpenSessionAsync(ct);
        await channel.ExecCommandAsync(command, ct);
        string stdout = Encoding.UTF8.GetString(await channel.MakeFile().ReadAsync(-1, ct));
        string stderr = Encoding.UTF8.GetString(await channel.MakeFileStderr().ReadAsync(-1, ct));
        int status = await channel.RecvExitStatusAsync(ct);
        await channel.Completion.WaitAsync(ct);
        return (stdout, stderr, status);
    }

    private static IEnumerable<string> CipherNames() => CipherRegistry.All.Select(c => c.Name);

    private static IEnumerable<string> MacNames() => MacRegistry.All.Select(m => m.Name);

    [TestCaseSource(nameof(CipherNames)), CancelAfter(10_000)]
    public async Task Handshake_WithEachCipher(string cipher, CancellationToken ct)
    {
        var settings = new TransportSettings { Ciphers = [cipher] };
        (SshTransport client, TestServer server) = await ConnectAsync(ct, settings, settings);

        Assert.That(client.Algorithms!.CipherClientToServer, Is.EqualTo(cipher));
        Assert.That(client.Algorithms.CipherServerToClient, Is.EqualTo(cipher));
        Assert.That(server.Session.Algorithms, Is.EqualTo(client.Algorithms));
        Assert.That(await ExecAsync(client, "echo " + cipher, ct), Is.EqualTo(("echo " + cipher, "ERR", TestServer.ExitStatus)));
    }

    [TestCaseSource(nameof(MacNames)), CancelAfter(10_000)]
    public async Task Handshake_WithEachMacAndAesCtr(string mac, CancellationToken ct)
    {
        var settings = new TransportSettings { Ciphers = ["aes128-ctr"], Macs = [mac] };
        (SshTransport client, _) = await ConnectAsync(ct, settings, settings);

        Assert.That((client.Algorithms!.MacClientToServer, client.Algorithms.MacServerToClient), Is.EqualTo((mac, mac)));
        Assert.That((await ExecAsync(client, "mac test", ct)).Stdout, Is.EqualTo("mac test"));
    }

    [Test, CancelAfter(10_000)]
    public async Task SshClient_ExecCommand_ReturnsStdoutStderrAndExitStatus(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());

        await client.ConnectAsync("testhost", username: TestServer.User, password: TestServer.Password, lookForKeys: false,
            sock: clientStream, cancellationToken: ct);
        var (stdin, stdout, stderr) = await client.ExecCommandAsync("uname -a", cancellationToken: ct);

        Assert.That(Encoding.UTF8.GetString(await stdout.ReadAsync(-1, ct)), Is.EqualTo("uname -a"));
        Assert.That(Encoding.UTF8.GetString(await stderr.ReadAsync(-1, ct)), Is.EqualTo("ERR"));
        Assert.That(await stdout.Channel.RecvExitStatusAsync(ct), Is.EqualTo(TestServer.ExitStatus));
        Assert.That(client.GetHostKeys().Check("testhost", server.HostKey.PublicKey), Is.True, "AutoAddPolicy recorded the key");
        Assert.That(server.AuthAttempts, Is.EqualTo(new[] { "none", "password" }));
    }

    [Test, CancelAfter(10_000)]
    public async Task PublicKeyAuthentication_SignsOverTheSessionId(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        using var key = Ed25519PrivateKey.Generate();
        server.AuthorizedKeys.Add(key.PublicKey);
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(null, ct);

        using var stranger = Ed25519PrivateKey.Generate();
        var refused = Assert.ThrowsAsync<AuthenticationException>(() => client.AuthPublicKeyAsync(TestServer.User, stranger, ct));
        Assert.That(refused!.AllowedMethods, Does.Contain("publickey"));

        await client.AuthPublicKeyAsync(TestServer.User, key, ct);
        Assert.That(client.IsAuthenticated, Is.True);
        // Host-bound, since the library's server announces it (OpenSSH PROTOCOL §2.5).
        // A key that signs in this process signs its first request (RFC 4252 §7 allows it, paramiko does it): one
        // request each, no query.
        Assert.That(server.AuthAttempts, Is.EqualTo(Enumerable.Repeat("publickey-hostbound-v00@openssh.com", 2)), "stranger's signed request, ours");
    }

    /// <summary>A key held elsewhere (an agent's, which may ask its user to confirm every signature).</summary>
    private sealed class RemoteSigningKey(SshPrivateKey inner) : SshPrivateKey
    {
        public int Signatures;
        public override SshPublicKey PublicKey => inner.PublicKey;
        public override bool SignsLocally => false;
        public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null)
        {
            Signatures++;
            return inner.Sign(data, signatureAlgorithm);
        }
    }

    [Test, CancelAfter(10_000)]
    public async Task PublicKeyAuthentication_AsksFirst_ForAKeyThatDoesNotSignLocally(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        using var key = Ed25519PrivateKey.Generate();
        server.AuthorizedKeys.Add(key.PublicKey);
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(null, ct);

        var stranger = new RemoteSigningKey(Ed25519PrivateKey.Generate());
        Assert.ThrowsAsync<AuthenticationException>(() => client.AuthPublicKeyAsync(TestServer.User, stranger, ct));
        Assert.That(stranger.Signatures, Is.Zero, "a refused key is never asked to sign");

        var agentKey = new RemoteSigningKey(key);
        await client.AuthPublicKeyAsync(TestServer.User, agentKey, ct);
        Assert.That(client.IsAuthenticated, Is.True);
        Assert.That(agentKey.Signatures, Is.EqualTo(1));
        Assert.That(server.AuthAttempts, Is.EqualTo(Enumerable.Repeat("publickey-hostbound-v00@openssh.com", 3)), "stranger's query, our query, our signed request");
    }

    [Test, CancelAfter(60_000)]
    public async Task TwentyMegabytes_ThroughATinyWindow_ArriveIntact(CancellationToken ct)
    {
        (SshTransport client, _) = await ConnectAsync(ct);
        const int total = 20 * 1024 * 1024;
        Channel channel = await client.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct, windowSize: 1024, maxPacketSize: 512);
        await channel.ExecCommandAsync("bulk:" + total, ct);

        long received = await ReadBulkAsync(channel, ct);

        Assert.That(client.Session.CloseReason, Is.Null, "the connection is still up");
        Assert.That(received, Is.EqualTo(total), $"{channel.EofReceived}");
        Assert.That(await channel.RecvExitStatusAsync(ct), Is.EqualTo(TestServer.ExitStatus));
    }

    /// <summary>Reads stdout to the end, checking every byte against the server's pattern; returns the count.</summary>
    private static async Task<long> ReadBulkAsync(Channel channel, CancellationToken ct, Func<long, Task>? progress = null)
    {
        byte[] buffer = new byte[7919];
        long offset = 0;
        int n;
        while ((n = await channel.ReadAsync(buffer, ct)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != TestServer.BulkByte(offset + i))
                    Assert.Fail($"byte {offset + i} is {buffer[i]}, expected {TestServer.BulkByte(offset + i)}");
            }
            offset += n;
            if (progress is not null) await progress(offset);
        }
        return offset;
    }

    [Test, CancelAfter(30_000)]
    public async Task RekeyFromBothSides_InTheMiddleOfATransfer_KeepsTheDataIntact(CancellationToken ct)
    {
        (SshTransport client, TestServer server) = await ConnectAsync(ct);
        const int total = 8 * 1024 * 1024;
        byte[] firstSessionId = client.SessionId.ToArray();
        Channel channel = await client.OpenChannelAsync("session", ReadOnlyMemory<byte>.Empty, ct, windowSize: 64 * 1024, maxPacketSize: 8 * 1024);
        await channel.ExecCommandAsync("bulk:" + total, ct);

        var rekeys = new List<Task>();
        long received = await ReadBulkAsync(channel, ct, offset =>
        {
            if (rekeys.Count == 0 && offset > total / 4)
            {
                rekeys.Add(client.RenegotiateKeysAsync(ct));
                rekeys.Add(server.Session.RekeyAsync(ct));
            }
            else if (rekeys.Count == 2 && offset > total / 2)
            {
                rekeys.Add(server.Session.RekeyAsync(ct)); // and once from the server alone
            }
            return Task.CompletedTask;
        });
        await Task.WhenAll(rekeys);

        Assert.That(received, Is.EqualTo(total));
        Assert.That(rekeys, Has.Count.EqualTo(3));
        Assert.That(client.SessionId.ToArray(), Is.EqualTo(firstSessionId), "the session id survives rekeying (RFC 4253 §7.2)");
        Assert.That(client.Session.Reader.BytesSinceKeyChange, Is.LessThan(total * 3 / 4), "the inbound keys changed during the transfer");
        Assert.That(await ExecAsync(client, "after rekey", ct), Is.EqualTo(("after rekey", "ERR", TestServer.ExitStatus)));
    }

    [Test, CancelAfter(10_000)]
    public async Task ARekeyWithAnotherHostKey_IsRefusedByTheClient(CancellationToken ct)
    {
        (SshTransport client, TestServer server) = await ConnectAsync(ct);
        server.Session.HostKeys = [Ed25519PrivateKey.Generate()];

        Assert.CatchAsync<SshException>(() => server.Session.RekeyAsync(ct));

        var e = Assert.CatchAsync<SshProtocolException>(() => client.Session.Completion.WaitAsync(ct));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.HostKeyNotVerifiable));
        Assert.That(e.SentByPeer, Is.False);
    }
}
