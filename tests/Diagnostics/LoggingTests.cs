using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Ssh.Client;
using Ssh.Server;
using Ssh.Transport;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Diagnostics;

/// <summary>The ILogger events of a whole session (SshClient against SshServer over loopback, both logging at Trace):
/// what they say, and that no password, private key or session key is ever among them.</summary>
[NonParallelizable]
public sealed class LoggingTests
{
    private const string Password = "pw-Zq7!unique-to-this-test-4f1e";

    [Test, CancelAfter(60_000)]
    public async Task A_session_at_trace_level_logs_every_stage_and_no_secret(CancellationToken ct)
    {
        var keyMaterial = new ConcurrentQueue<byte[]>();
        KeyDerivation.KeyMaterialObserver = keyMaterial.Enqueue;
        var serverLog = new CapturingLoggerFactory();
        var clientLog = new CapturingLoggerFactory();
        SshPrivateKey? clientKey = null;
        string hostKeyFingerprint = "";
        try
        {
            await using var server = TestSshServer.Start(user: "logtest", password: Password,
                configure: o => o.Settings.LoggerFactory = serverLog);
            clientKey = server.ClientKey;
            hostKeyFingerprint = server.HostKey.GetFingerprint();

            // A refused password, then the right one; a command; a re-key; a close.
            using (var refused = NewClient(clientLog))
            {
                Assert.ThrowsAsync<AuthenticationException>(() => refused.ConnectAsync(server.Host, server.Port, server.User, Password + "x",
                    allowAgent: false, lookForKeys: false, cancellationToken: ct));
            }
            using (var client = NewClient(clientLog))
            {
                await client.ConnectAsync(server.Host, server.Port, server.User, Password, allowAgent: false, lookForKeys: false, cancellationToken: ct);
                var (_, stdout, _) = await client.ExecCommandAsync("echo logged", cancellationToken: ct);
                Assert.That(stdout.ReadToEnd().Trim(), Is.EqualTo("logged"));
                await client.GetTransport()!.RenegotiateKeysAsync(ct);
            }
            // The public key too: its query, PK_OK and the signed request.
            using (var client = NewClient(clientLog))
            {
                await client.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, allowAgent: false, lookForKeys: false,
                    cancellationToken: ct);
            }
            await WaitForAsync(() => serverLog.Messages().Count(m => m == "Connection closed") >= 3, ct);
        }
        finally
        {
            KeyDerivation.KeyMaterialObserver = null;
        }

        string clientText = string.Join('\n', clientLog.Messages());
        string serverText = string.Join('\n', serverLog.Messages());
        Assert.Multiple(() =>
        {
            Assert.That(clientText, Does.Contain("Local version string SSH-2.0-SshCs_"));
            Assert.That(clientText, Does.Contain("Remote version string SSH-2.0-SshCs_"));
            Assert.That(clientText, Does.Contain("local client KEXINIT proposal: KEX algorithms: "));
            Assert.That(clientText, Does.Contain("peer server KEXINIT proposal: "));
            Assert.That(clientText, Does.Contain("kex: algorithm: mlkem768x25519-sha256; host key algorithm: ssh-ed25519"));
            Assert.That(clientText, Does.Contain("Server host key: ssh-ed25519 " + hostKeyFingerprint));
            Assert.That(clientText, Does.Contain("Next authentication method: password (user logtest)"));
            Assert.That(clientText, Does.Contain("Authentications that can continue: publickey,password"));
            Assert.That(clientText, Does.Contain("Authenticated as logtest using password"));
            Assert.That(clientText, Does.Contain("Offering public key: ssh-ed25519 SHA256:"));
            Assert.That(clientText, Does.Contain("Authenticated as logtest using publickey"));
            Assert.That(clientText, Does.Contain("channel 0: new session"));
            Assert.That(clientText, Does.Contain("channel 0: request exec sent"));
            Assert.That(clientText, Does.Contain("channel 0: exit status 0"));
            Assert.That(clientText, Does.Contain("channel 0: closed (session)"));
            Assert.That(clientText, Does.Contain("Re-keying: requested by the application"));
            Assert.That(clientText, Does.Contain("Key exchange 2 complete"));
            Assert.That(clientText, Does.Contain("Disconnecting: ByApplication"));
            Assert.That(serverText, Does.Contain("Failed password for logtest"));
            Assert.That(serverText, Does.Contain("Accepted password for logtest"));
            Assert.That(serverText, Does.Contain("Accepted publickey for logtest"));
            Assert.That(serverText, Does.Contain("Connection from 127.0.0.1 port "));
            Assert.That(serverText, Does.Contain("Peer opens a session channel"));
            Assert.That(serverText, Does.Contain("Received disconnect: ByApplication"));
            Assert.That(serverLog.Scopes, Has.Some.StartsWith("Connection 127.0.0.1:"));
        });

        // The secrets, in every spelling a log might use.
        byte[] seed = ((Ed25519PrivateKey)clientKey!).Seed.ToArray();
        var secrets = new List<(string What, byte[] Bytes)> { ("the password", Encoding.UTF8.GetBytes(Password)), ("the client's private key", seed) };
        Assert.That(keyMaterial, Has.Count.GreaterThan(10), "the key material of every key exchange was observed");
        secrets.AddRange(keyMaterial.Where(k => k.Length >= 12).Select(k => ("session key material", k)));
        string everything = string.Join('\n', clientLog.AllText().Concat(serverLog.AllText()));
        foreach (var (what, bytes) in secrets)
        {
            foreach (string spelling in Spellings(bytes))
                Assert.That(everything, Does.Not.Contain(spelling), $"{what} appears in the log");
        }
        Assert.That(everything, Does.Not.Contain(Password[3..15]), "part of the password appears in the log");
    }

    [Test, CancelAfter(30_000)]
    public async Task Without_a_logger_factory_nothing_is_created_and_a_session_runs(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        Assert.That(client.Settings.LoggerFactory, Is.Null);
        await client.ConnectAsync(server.Host, server.Port, server.User, server.Password, allowAgent: false, lookForKeys: false, cancellationToken: ct);
        var (_, stdout, _) = await client.ExecCommandAsync("echo quiet", cancellationToken: ct);
        Assert.That(stdout.ReadToEnd().Trim(), Is.EqualTo("quiet"));
    }

    private static SshClient NewClient(ILoggerFactory log)
    {
        var client = new SshClient { Settings = new TransportSettings { LoggerFactory = log } };
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        return client;
    }

    private static IEnumerable<string> Spellings(byte[] bytes)
    {
        yield return Convert.ToHexString(bytes);
        yield return Convert.ToHexString(bytes).ToLowerInvariant();
        yield return Convert.ToBase64String(bytes).TrimEnd('=');
        yield return BitConverter.ToString(bytes);
        string utf8 = Encoding.UTF8.GetString(bytes);
        if (utf8.All(c => c >= ' ' && c < 0x7f)) yield return utf8;
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition()) await Task.Delay(20, ct);
    }
}
