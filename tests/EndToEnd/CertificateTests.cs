using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Server;
using Ssh.Tests.Diagnostics;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Tests.EndToEnd;

/// <summary>Host and user certificates between our client and our server, over an in-memory connection.</summary>
public sealed class CertificateTests
{
    private const string Host = "certhost.example";

    /// <summary>Accepts a user certificate signed by <see cref="Ca"/> for the user, and records what it saw.</summary>
    private sealed class CertificateServer(SshPublicKey ca) : ServerInterface
    {
        public SshPublicKey Ca { get; } = ca;
        public List<SshPublicKey> Offered { get; } = [];

        public override string GetAllowedAuths(string username) => "publickey";

        public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key)
        {
            lock (Offered) Offered.Add(key);
            return key is SshCertificate c && c.SignatureKey.Equals(Ca) && c.Validate(SshCertificateType.User, username, out _)
                ? AuthenticationResult.Successful : AuthenticationResult.Failed;
        }
    }

    private static SshCertificate HostCertificate(SshPrivateKey hostKey, SshPrivateKey ca, params string[] principals)
    {
        var builder = new SshCertificateBuilder(hostKey.PublicKey, SshCertificateType.Host, "host");
        foreach (string p in principals) builder.Principals.Add(p);
        return builder.Sign(ca);
    }

    private static (SshTransport Server, Task<string> Started, DuplexPipeStream ClientStream) StartServer(ServerInterface iface, params SshPrivateKey[] hostKeys)
    {
        var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
        var server = new SshTransport(serverStream);
        foreach (SshPrivateKey key in hostKeys) server.AddServerKey(key);
        Task<string> started = server.StartServerAsync(iface);
        started.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        return (server, started, clientStream);
    }

    [Test, CancelAfter(10_000)]
    public async Task A_host_certificate_signed_by_a_known_CA_is_accepted_without_the_key_on_record(CancellationToken ct)
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var hostKey = EcdsaPrivateKey.Generate(256);
        using var userKey = Ed25519PrivateKey.Generate();
        SshPrivateKey certified = hostKey.WithCertificate(HostCertificate(hostKey, ca, "*.example"));
        var (server, _, clientStream) = StartServer(new CertificateServer(ca.PublicKey), hostKey, certified);
        await using var _s = server;
        await using var client = new SshClient();
        var log = new CapturingLoggerFactory();
        client.Settings.LoggerFactory = log;
        client.GetHostKeys().AddCertificateAuthority("*.example", ca.PublicKey);

        SshPrivateKey userCertified = userKey.WithCertificate(new SshCertificateBuilder(userKey.PublicKey, SshCertificateType.User, "u") { Principals = { "alice" } }.Sign(ca));
        await client.ConnectAsync(Host, username: "alice", pkey: userCertified, allowAgent: false, lookForKeys: false, sock: clientStream, cancellationToken: ct);

        SshTransport transport = client.GetTransport()!;
        Assert.That(transport.Algorithms!.HostKey, Is.EqualTo("ecdsa-sha2-nistp256-cert-v01@openssh.com"));
        Assert.That(transport.GetRemoteServerKey(), Is.InstanceOf<SshCertificate>());
        Assert.That(transport.IsAuthenticated, Is.True);
        Assert.That(transport.Session.ServerSupportsHostBoundPublicKey, Is.True, "the request was host-bound");
        string text = string.Join('\n', log.Messages());
        Assert.That(text, Does.Contain($"Server host certificate: ecdsa-sha2-nistp256-cert-v01@openssh.com {hostKey.PublicKey.GetFingerprint()}, " +
            $"serial 0 ID \"host\" CA ssh-ed25519 {ca.PublicKey.GetFingerprint()} valid forever"));
        Assert.That(text, Does.Contain($"Host '{Host}' is known and matches the ecdsa-sha2-nistp256-cert-v01@openssh.com host key"));
        Assert.That(text, Does.Contain("Offering public key: ssh-ed25519-cert-v01@openssh.com"));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_host_certificate_for_another_name_falls_back_to_the_key_and_the_policy(CancellationToken ct)
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var hostKey = Ed25519PrivateKey.Generate();
        SshPrivateKey certified = hostKey.WithCertificate(HostCertificate(hostKey, ca, "other.example"));
        var (server, _, clientStream) = StartServer(new CertificateServer(ca.PublicKey), certified);
        await using var _s = server;
        await using var client = new SshClient();
        client.GetHostKeys().AddCertificateAuthority("*.example", ca.PublicKey);

        var e = Assert.CatchAsync<SshException>(() => client.ConnectAsync(Host, username: "alice", password: "x", allowAgent: false,
            lookForKeys: false, sock: clientStream, cancellationToken: ct));
        Assert.That(e!.Message, Does.Contain("not in known_hosts").And.Contain(hostKey.PublicKey.GetFingerprint()));
    }

    [Test, CancelAfter(10_000)]
    public async Task A_host_certificate_whose_key_is_on_record_is_accepted_as_that_key(CancellationToken ct)
    {
        using var ca = Ed25519PrivateKey.Generate();
        using var hostKey = Ed25519PrivateKey.Generate();
        using var userKey = Ed25519PrivateKey.Generate();
        SshPrivateKey certified = hostKey.WithCertificate(HostCertificate(hostKey, ca));
        var (server, _, clientStream) = StartServer(new CertificateServer(ca.PublicKey), certified, hostKey);
        await using var _s = server;
        await using var client = new SshClient();
        client.GetHostKeys().Add(Host, hostKey.PublicKey.KeyType, hostKey.PublicKey);

        SshPrivateKey userCertified = userKey.WithCertificate(new SshCertificateBuilder(userKey.PublicKey, SshCertificateType.User, "u") { Principals = { "alice" } }.Sign(ca));
        await client.ConnectAsync(Host, username: "alice", pkey: userCertified, allowAgent: false, lookForKeys: false, sock: clientStream, cancellationToken: ct);
        // OpenSSH's order: the best algorithm's key type (ed25519) is known, so the list stays as it is, certificates first.
        Assert.That(client.GetTransport()!.Algorithms!.HostKey, Is.EqualTo("ssh-ed25519-cert-v01@openssh.com"));
    }

    [TestCase("ca")]
    [TestCase("key")]
    public async Task A_revoked_CA_or_certified_key_is_refused(string revoke)
    {
        using var cts = new CancellationTokenSource(10_000);
        using var ca = Ed25519PrivateKey.Generate();
        using var hostKey = Ed25519PrivateKey.Generate();
        SshPrivateKey certified = hostKey.WithCertificate(HostCertificate(hostKey, ca));
        var (server, _, clientStream) = StartServer(new CertificateServer(ca.PublicKey), certified);
        await using var _s = server;
        await using var client = new SshClient();
        client.GetHostKeys().AddCertificateAuthority("*", ca.PublicKey);
        client.GetHostKeys().Add(Host, hostKey.PublicKey.KeyType, hostKey.PublicKey);
        client.GetHostKeys().AddRevoked("*", revoke == "ca" ? ca.PublicKey : hostKey.PublicKey);

        var e = Assert.ThrowsAsync<BadHostKeyException>(() => client.ConnectAsync(Host, username: "alice", password: "x", allowAgent: false,
            lookForKeys: false, sock: clientStream, cancellationToken: cts.Token));
        Assert.That(e!.ExpectedFingerprint, Is.EqualTo("(revoked)"));
    }

    [Test, CancelAfter(20_000)]
    public async Task A_host_known_by_its_RSA_key_is_asked_for_RSA_first(CancellationToken ct)
    {
        using var ed25519 = Ed25519PrivateKey.Generate();
        using SshPrivateKey rsa = SshPrivateKey.FromFile(TestData.PathOf("rsa2048"));
        var (server, _, clientStream) = StartServer(new CertificateServer(ed25519.PublicKey), ed25519, rsa);
        await using var _s = server;
        await using var client = new SshClient();
        client.GetHostKeys().Add(Host, rsa.PublicKey.KeyType, rsa.PublicKey);

        Assert.CatchAsync<AuthenticationException>(() => client.ConnectAsync(Host, username: "alice", password: "x", allowAgent: false,
            lookForKeys: false, sock: clientStream, cancellationToken: ct));
        Assert.That(client.GetTransport()!.Algorithms!.HostKey, Is.EqualTo("rsa-sha2-512"));
    }

    [Test, CancelAfter(10_000)]
    public async Task The_certificate_beside_a_key_file_is_offered_first_then_the_key(CancellationToken ct)
    {
        string dir = Directory.CreateTempSubdirectory("sshcs-cert-").FullName;
        try
        {
            using var ca = Ed25519PrivateKey.Generate();
            using var userKey = Ed25519PrivateKey.Generate();
            string keyPath = Path.Combine(dir, "id_ed25519");
            File.WriteAllText(keyPath, OpenSshPrivateKeyFile.Format(userKey));
            SshCertificate cert = new SshCertificateBuilder(userKey.PublicKey, SshCertificateType.User, "u") { Principals = { "bob" } }.Sign(ca);
            File.WriteAllText(keyPath + "-cert.pub", cert.ToOpenSshString("bob's cert") + "\n");

            var iface = new CertificateServer(ca.PublicKey);
            var (server, started, clientStream) = StartServer(iface, Ed25519PrivateKey.Generate());
            await using var _s = server;
            await using var client = new SshClient();
            client.SetMissingHostKeyPolicy(new AutoAddPolicy());
            await client.ConnectAsync(Host, username: "bob", keyFilename: [keyPath], allowAgent: false, lookForKeys: false, sock: clientStream, cancellationToken: ct);

            Assert.That(await started, Is.EqualTo("bob"));
            Assert.That(iface.Offered[0], Is.EqualTo(cert));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test, CancelAfter(20_000)]
    public async Task An_rsa_user_certificate_signs_with_rsa_sha2_under_its_certificate_name(CancellationToken ct)
    {
        using var ca = EcdsaPrivateKey.Generate(384);
        using SshPrivateKey rsa = SshPrivateKey.FromFile(TestData.PathOf("rsa2048"));
        SshPrivateKey certified = rsa.WithCertificate(new SshCertificateBuilder(rsa.PublicKey, SshCertificateType.User, "r") { Principals = { "carol" } }.Sign(ca));
        var iface = new CertificateServer(ca.PublicKey);
        var (server, started, clientStream) = StartServer(iface, Ed25519PrivateKey.Generate());
        await using var _s = server;
        await using var client = new SshClient();
        client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        await client.ConnectAsync(Host, username: "carol", pkey: certified, allowAgent: false, lookForKeys: false, sock: clientStream, cancellationToken: ct);
        Assert.That(await started, Is.EqualTo("carol"));
        Assert.That(server.AuthenticationMethod, Is.EqualTo("publickey"));
    }
}
