using System.Diagnostics;
using NUnit.Framework;
using Ssh.Client;
using Ssh.Server;
using Ssh.Testing;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Server;

/// <summary>TestSshServer as a test uses it: its own users and keys, one-line trusting clients, and how long a start takes.</summary>
public sealed class TestSshServerTests
{
    [Test, CancelAfter(30_000)]
    public async Task CreateClient_is_connected_and_trusts_the_server_with_the_default_reject_policy(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        using SshClient client = await server.CreateClientAsync(cancellationToken: ct);
        var (_, stdout, _) = await client.ExecCommandAsync("echo one line", cancellationToken: ct);
        Assert.That(stdout.ReadToEnd().Trim(), Is.EqualTo("one line"));
        Assert.That(client.GetTransport()!.GetRemoteServerKey(), Is.EqualTo(server.HostKey));
    }

    [Test, CancelAfter(30_000)]
    public async Task Users_authorized_keys_as_objects_and_as_lines_host_keys_and_algorithms_are_the_tests_own(CancellationToken ct)
    {
        using var lineKey = Ed25519PrivateKey.Generate();
        using var objectKey = Ed25519PrivateKey.Generate();
        using var hostKey = Ed25519PrivateKey.Generate();
        await using var server = TestSshServer.Start(new TestSshServerOptions
        {
            Users = { ["alice"] = "wonderland", ["bob"] = null },
            AuthorizedKeys = { lineKey.PublicKey.ToOpenSshString("me@laptop"), objectKey.PublicKey },
            HostKeys = { hostKey },
            Settings = new TransportSettings { Ciphers = ["aes256-gcm@openssh.com"] },
        });
        Assert.That(server.HostKey, Is.EqualTo(hostKey.PublicKey));
        Assert.That(server.KnownHostsLines, Is.EqualTo($"[127.0.0.1]:{server.Port} {hostKey.PublicKey.ToOpenSshString()}"));

        using (SshClient alice = await server.CreateClientAsync(cancellationToken: ct))
        {
            Assert.That(alice.GetTransport()!.Username, Is.EqualTo("alice"));
            Assert.That(alice.GetTransport()!.AuthenticationMethod, Is.EqualTo("password"));
            Assert.That(alice.GetTransport()!.Algorithms!.CipherClientToServer, Is.EqualTo("aes256-gcm@openssh.com"));
        }
        using (SshClient bob = await server.CreateClientAsync("bob", cancellationToken: ct))
            Assert.That(bob.GetTransport()!.AuthenticationMethod, Is.EqualTo("publickey"));
        foreach (SshPrivateKey key in new[] { lineKey, objectKey })
        {
            using var client = new SshClient().TrustHost(server);
            await client.ConnectAsync(server.Host, server.Port, "bob", pkey: key, allowAgent: false, lookForKeys: false, cancellationToken: ct);
            Assert.That(client.GetTransport()!.IsAuthenticated);
        }
        using var stranger = new SshClient().TrustHost(server);
        Assert.ThrowsAsync<AuthenticationException>(() => stranger.ConnectAsync(server.Host, server.Port, "alice", "wrong",
            allowAgent: false, lookForKeys: false, cancellationToken: ct));
    }

    [Test, CancelAfter(30_000)]
    public async Task User_certificates_of_a_trusted_CA_log_in_and_a_certified_host_key_is_trusted_as_its_key(CancellationToken ct)
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var hostKey = Ed25519PrivateKey.Generate();
        using var userKey = Ed25519PrivateKey.Generate();
        SshCertificate hostCertificate = new SshCertificateBuilder(hostKey.PublicKey, SshCertificateType.Host, "test host") { Principals = { "127.0.0.1" } }.Sign(ca);
        await using var server = TestSshServer.Start(new TestSshServerOptions
        {
            Users = { ["deploy"] = null },
            TrustedUserCaKeys = { ca.PublicKey.ToOpenSshString("ca") },
            HostKeys = { hostKey, hostKey.WithCertificate(hostCertificate) },
        });
        Assert.That(server.HostKeys, Is.EqualTo(new[] { hostKey.PublicKey }), "the certificate's key, once");

        SshPrivateKey Certified(string principal, string? forceCommand = null)
        {
            var builder = new SshCertificateBuilder(userKey.PublicKey, SshCertificateType.User, "ci") { Principals = { principal } };
            if (forceCommand is not null) builder.CriticalOptions["force-command"] = forceCommand;
            return userKey.WithCertificate(builder.Sign(ca));
        }

        using (var client = new SshClient().TrustHost(server))
        {
            await client.ConnectAsync(server.Host, server.Port, "deploy", pkey: Certified("deploy", "echo forced"), allowAgent: false,
                lookForKeys: false, cancellationToken: ct);
            var (_, stdout, _) = await client.ExecCommandAsync("echo asked", cancellationToken: ct);
            Assert.That(stdout.ReadToEnd().Trim(), Is.EqualTo("forced"));
        }
        using (var client = new SshClient())
        {
            // Trusted through the CA alone: no key on record for the server.
            client.GetHostKeys().AddCertificateAuthority(server.KnownHostsName, ca.PublicKey);
            await client.ConnectAsync(server.Host, server.Port, "deploy", pkey: Certified("deploy"), allowAgent: false, lookForKeys: false,
                cancellationToken: ct);
            Assert.That(client.GetTransport()!.GetRemoteServerKey(), Is.InstanceOf<SshCertificate>());
        }
        using var other = new SshClient().TrustHost(server);
        Assert.ThrowsAsync<AuthenticationException>(() => other.ConnectAsync(server.Host, server.Port, "deploy", pkey: Certified("someone-else"),
            allowAgent: false, lookForKeys: false, cancellationToken: ct));
        using var plain = new SshClient().TrustHost(server);
        Assert.ThrowsAsync<AuthenticationException>(() => plain.ConnectAsync(server.Host, server.Port, "deploy", pkey: userKey,
            allowAgent: false, lookForKeys: false, cancellationToken: ct), "the key alone is not authorized");
    }

    [Test]
    public void A_line_that_is_not_a_public_key_is_refused_when_added()
    {
        var options = new TestSshServerOptions();
        Assert.That(() => options.AuthorizedKeys.Add("ssh-ed25519 not-base64!"), Throws.InstanceOf<Exception>());
        Assert.That(options.AuthorizedKeys, Is.Empty);
    }

    [Test, CancelAfter(30_000)]
    public async Task Without_trust_the_default_policy_refuses_the_server(CancellationToken ct)
    {
        await using var server = TestSshServer.Start();
        using var client = new SshClient();
        Assert.ThrowsAsync<SshException>(() => client.ConnectAsync(server.Host, server.Port, server.User, server.Password,
            allowAgent: false, lookForKeys: false, cancellationToken: ct));
    }

    /// <summary>A test suite starts many: after the first (JIT, pools), each must take well under 100 ms. Measured
    /// here: the median of 20 starts and stops; the bound is generous for a busy CI machine.</summary>
    [Test, CancelAfter(60_000)]
    public async Task Starting_a_server_after_the_first_takes_well_under_100_ms()
    {
        await (TestSshServer.Start()).DisposeAsync();
        var starts = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            long before = Stopwatch.GetTimestamp();
            TestSshServer server = TestSshServer.Start(new TestSshServerOptions { Users = { ["u"] = "p" } });
            starts.Add(Stopwatch.GetElapsedTime(before).TotalMilliseconds);
            await server.DisposeAsync();
        }
        starts.Sort();
        double median = starts[starts.Count / 2];
        TestContext.Out.WriteLine($"TestSshServer.Start after the first: median {median:0.00} ms, fastest {starts[0]:0.00} ms, slowest {starts[^1]:0.00} ms");
        Assert.That(median, Is.LessThan(100), "median start time in ms");
    }
}
