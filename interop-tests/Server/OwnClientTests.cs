using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.InteropTests.Client;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Server;
using Ssh.Server.Sessions;
using Ssh.Transport;
using Ssh.Transport.Keys;

using Ssh.Tests.EndToEnd;

namespace Ssh.InteropTests.Server;

/// <summary>Our client against our server: over TCP (<see cref="TestSshServer"/>) and over an in-memory duplex
/// stream (<c>StartServerAsync</c> with the built-in <see cref="CommandServerInterface"/>).</summary>
[TestFixture]
public sealed class OwnClientTests
{
    private const int TimeoutMs = 90_000;

    private static SshClient NewClient(string hostKeyName, SshPublicKey hostKey)
    {
        var client = new SshClient();
        client.GetHostKeys().Add(hostKeyName, hostKey.KeyType, hostKey);
        client.SetMissingHostKeyPolicy(new RejectPolicy());
        return client;
    }

    private static async Task<SshClient> ConnectTcpAsync(TestSshServer server, Auth auth, CancellationToken cancellationToken)
    {
        var client = NewClient($"[{server.Host}]:{server.Port}", server.HostKey);
        try
        {
            if (auth == Auth.Password)
                await client.ConnectAsync(server.Host, server.Port, server.User, password: server.Password, lookForKeys: false,
                    allowAgent: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            else
                await client.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, lookForKeys: false,
                    allowAgent: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Tcp_exec_reports_exit_codes([Values] Auth auth, [Values(0, 1, 44)] int code, CancellationToken cancellationToken)
    {
        await using var server = TestSshServer.Start();
        await using var client = await ConnectTcpAsync(server, auth, cancellationToken);

        var result = await ClientTestSupport.ExecAsync(client, $"echo out; echo err >&2; exit {code}", cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(code));
        Assert.That(result.StdoutText, Is.EqualTo("out\n"));
        Assert.That(result.Stderr, Is.EqualTo("err\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Tcp_ten_megabytes_round_trip_intact([Values] Auth auth, CancellationToken cancellationToken)
    {
        await using var server = TestSshServer.Start();
        await using var client = await ConnectTcpAsync(server, auth, cancellationToken);

        await RoundTripAsync(client, 10_000_000, cancellationToken);
    }

    [Test, CancelAfter(TimeoutMs)]
    public void Tcp_wrong_host_key_is_refused(CancellationToken cancellationToken)
    {
        using var server = TestSshServer.Start();
        using var client = NewClient($"[{server.Host}]:{server.Port}", Ed25519PrivateKey.Generate().PublicKey);

        Assert.ThrowsAsync<BadHostKeyException>(() => client.ConnectAsync(server.Host, server.Port, server.User, password: server.Password,
            lookForKeys: false, allowAgent: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task In_memory_exec_and_round_trip([Values] Auth auth, CancellationToken cancellationToken)
    {
        var hostKey = Ed25519PrivateKey.Generate();
        var clientKey = Ed25519PrivateKey.Generate();
        var accounts = new ServerAccounts().AddUser("memory", "memory-pw").AddAuthorizedKey(clientKey.PublicKey);
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();

        await using var serverTransport = new SshTransport(serverStream);
        serverTransport.AddServerKey(hostKey);
        Task<string> serverStarted = serverTransport.StartServerAsync(new CommandServerInterface(accounts), cancellationToken: cancellationToken);

        await using var client = NewClient("memory-host", hostKey.PublicKey);
        if (auth == Auth.Password)
            await client.ConnectAsync("memory-host", 22, "memory", password: "memory-pw", lookForKeys: false, allowAgent: false,
                sock: clientStream, cancellationToken: cancellationToken);
        else
            await client.ConnectAsync("memory-host", 22, "memory", pkey: clientKey, lookForKeys: false, allowAgent: false,
                sock: clientStream, cancellationToken: cancellationToken);
        Assert.That(await serverStarted, Is.EqualTo("memory"));

        var result = await ClientTestSupport.ExecAsync(client, "echo out; echo err >&2; exit 44", cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(44));
        Assert.That(result.StdoutText, Is.EqualTo("out\n"));
        Assert.That(result.Stderr, Is.EqualTo("err\n"));

        await RoundTripAsync(client, 10_000_000, cancellationToken);
    }

    /// <summary>Sends <paramref name="size"/> random bytes through <c>cat</c> and back, checking the SHA-256 both
    /// ways (the remote one by <c>sha256sum</c> of a second copy through <c>tee</c>).</summary>
    private static async Task RoundTripAsync(SshClient client, int size, CancellationToken cancellationToken)
    {
        byte[] data = new byte[size];
        new Random(size).NextBytes(data);
        string expected = Convert.ToHexStringLower(SHA256.HashData(data));
        string path = Path.Combine(Path.GetTempPath(), $"sshcs-own-{Guid.NewGuid():N}");
        try
        {
            var result = await ClientTestSupport.ExecAsync(client, $"tee {path}", data, cancellationToken);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(result.Stdout.Length, Is.EqualTo(size));
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(result.Stdout)), Is.EqualTo(expected), "echoed data corrupted");

            var remote = await ClientTestSupport.ExecAsync(client, $"sha256sum < {path}", cancellationToken: cancellationToken);
            Assert.That(remote.StdoutText, Does.StartWith(expected), "the server received corrupted data");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
