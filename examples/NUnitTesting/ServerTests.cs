using NUnit.Framework;
using Ssh.Client;
using Ssh.Server;
using Ssh.Testing;
using Ssh.Transport.Keys;

namespace NUnitTesting;

/// <summary>Code that deploys over SSH, tested against a real server in the test process: one server per fixture,
/// a fresh trusting client per test.</summary>
public sealed class ServerTests
{
    private TestSshServer _server = null!;
    private string _root = null!;

    [OneTimeSetUp]
    public void StartServer()
    {
        _root = Directory.CreateTempSubdirectory("nunit-sftp-").FullName;
        _server = TestSshServer.Start(new TestSshServerOptions
        {
            Users = { ["deploy"] = "s3cret" },
            SftpRoot = _root,
        });
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Test, CancelAfter(30_000)]
    public async Task A_command_runs_and_reports_its_status(CancellationToken ct)
    {
        using SshClient client = await _server.CreateClientAsync(cancellationToken: ct);
        var (_, stdout, _) = await client.ExecCommandAsync("echo hello; exit 3", cancellationToken: ct);
        Assert.That(await stdout.ReadToEndAsync(ct), Is.EqualTo("hello\n"));
        Assert.That(await stdout.Channel.RecvExitStatusAsync(ct), Is.EqualTo(3));
    }

    [Test, CancelAfter(30_000)]
    public async Task An_upload_lands_in_the_sftp_root(CancellationToken ct)
    {
        using SshClient client = await _server.CreateClientAsync(cancellationToken: ct);
        using var sftp = await client.OpenSftpAsync(ct);
        string local = Path.GetTempFileName();
        await File.WriteAllTextAsync(local, "release 1.0", ct);
        await sftp.PutAsync(local, "/release.txt", cancellationToken: ct);
        Assert.That(await File.ReadAllTextAsync(Path.Combine(_root, "release.txt"), ct), Is.EqualTo("release 1.0"));
        File.Delete(local);
    }

    [Test, CancelAfter(30_000)]
    public async Task A_key_of_the_tests_own_logs_in(CancellationToken ct)
    {
        using var key = Ed25519PrivateKey.Generate();
        await using var server = TestSshServer.Start(new TestSshServerOptions
        {
            Users = { ["ci"] = null },                                  // key only
            AuthorizedKeys = { key.PublicKey.ToOpenSshString("ci@build") }, // as a line of a .pub file
        });
        using var client = new SshClient().TrustHost(server);
        await client.ConnectAsync(server.Host, server.Port, "ci", pkey: key, allowAgent: false, lookForKeys: false, cancellationToken: ct);
        Assert.That(client.GetTransport()!.AuthenticationMethod, Is.EqualTo("publickey"));
    }
}
