using NUnit.Framework;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>PuTTY's <c>plink</c>, dropbear's <c>dbclient</c> and paramiko against <c>sshcs server</c>: exec and exit
/// codes, each with a password and with an ed25519 key (converted to the client's own format where it has one).</summary>
[TestFixture]
public sealed class OtherClientTests : SharedSshcsServerFixture
{
    private const int TimeoutMs = 90_000;

    private static string Command(int code) => code == 1 ? "echo out; echo err >&2; false" : $"echo out; echo err >&2; exit {code}";

    [Test, CancelAfter(TimeoutMs)]
    public async Task Plink_exec_reports_exit_codes([Values] Auth auth, [Values(0, 1, 44)] int code, CancellationToken cancellationToken)
    {
        var result = await PeerClients.PlinkAsync(Server, auth, Command(code), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(code), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("out\n"), result.Describe);
        Assert.That(result.Stderr, Does.Contain("err\n"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Plink_refuses_a_host_key_other_than_the_pinned_one(CancellationToken cancellationToken)
    {
        // The control for -hostkey: plink really checks it, so the passing tests above prove our host key.
        string wrong = "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=');
        var args = new List<string> { "-batch", "-ssh", "-noagent", "-P", Server.Port.ToString(), "-hostkey", wrong, "-pw", Server.Password,
            $"{Server.User}@{Server.Host}", "echo reached" };

        var result = await Ssh.InteropTests.Infrastructure.ProcessRunner.RunAsync(Ssh.InteropTests.Infrastructure.PeerBinaries.Plink, args,
            environment: new Dictionary<string, string?> { ["HOME"] = Server.Directory }, cancellationToken: cancellationToken);

        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.Empty, result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Dbclient_exec_reports_exit_codes([Values] Auth auth, [Values(0, 1, 44)] int code, CancellationToken cancellationToken)
    {
        var result = await PeerClients.DbclientAsync(Server, auth, Command(code), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(code), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("out\n"), result.Describe);
        Assert.That(result.Stderr, Does.Contain("err\n"), result.Describe);
        // -y accepts any key, but dbclient names the one it accepted.
        Assert.That(result.Stderr, Does.Contain(Server.HostKeyFingerprint), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Paramiko_exec_reports_exit_codes([Values] Auth auth, [Values(0, 1, 44)] int code, CancellationToken cancellationToken)
    {
        var result = await PeerClients.ParamikoAsync(Server, auth, Command(code), cancellationToken);

        Assert.That(result.ExitCode, Is.EqualTo(code), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo("out\n"), result.Describe);
        Assert.That(result.Stderr, Is.EqualTo($"err\nauth={(auth == Auth.Password ? "password" : "publickey")}\n"), result.Describe);
    }
}
