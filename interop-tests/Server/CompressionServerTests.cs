using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>Clients that compress against <c>sshcs server</c> (which offers compression, as sshd does): OpenSSH's
/// <c>ssh -C</c> (9.2 and 10) with <c>zlib@openssh.com</c>, PuTTY's <c>plink -C</c> with plain <c>zlib</c> and paramiko's
/// <c>compress=True</c>; what moved both ways is checked by SHA-256.</summary>
[TestFixture]
public sealed class CompressionServerTests : SharedSshcsServerFixture
{
    private const int TimeoutMs = 90_000;

    /// <summary>Two megabytes of text (compressible, as the usual SSH traffic is).</summary>
    private static readonly byte[] Text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200_000).Select(i => $"line {i}\n")));

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [TestCase(false), TestCase(true), CancelAfter(TimeoutMs)]
    public async Task Ssh_C_NegotiatesDelayedZlib_BothWays(bool openSsh10, CancellationToken cancellationToken)
    {
        string ssh = openSsh10 ? OpenSsh10.Ssh : PeerBinaries.Ssh;
        var up = await PeerClients.SshAsync(Server, Auth.Key, "sha256sum", ["-C", "-o", "LogLevel=DEBUG1"], stdin: Text,
            cancellationToken: cancellationToken, ssh: ssh);
        Assert.That(up.ExitCode, Is.EqualTo(0), up.Describe);
        Assert.That(up.Stdout, Is.EqualTo(Sha256(Text) + "  -\n"), up.Describe);
        Assert.That(up.Stderr, Does.Contain("compression: zlib@openssh.com"), up.Describe);

        var down = await PeerClients.SshAsync(Server, Auth.Password, "seq 0 199999 | sed 's/^/line /'", ["-C"], cancellationToken: cancellationToken, ssh: ssh);
        Assert.That(down.ExitCode, Is.EqualTo(0), down.Describe);
        Assert.That(Sha256(down.StdoutBytes), Is.EqualTo(Sha256(Text)), "downloaded text");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Plink_C_Compresses(CancellationToken cancellationToken)
    {
        var result = await PeerClients.PlinkAsync(Server, Auth.Password, "seq 0 199999 | sed 's/^/line /' | sha256sum", cancellationToken, ["-C", "-v"]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo(Sha256(Text) + "  -\n"), result.Describe);
        // PuTTY prefers plain zlib (RFC 4253 §6.2, from the first NEWKEYS); it would say "delayed" for zlib@openssh.com.
        Assert.That(result.Stderr, Does.Contain("Initialised zlib (RFC1950) compression").And.Not.Contain("delayed"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Paramiko_Compress_True(CancellationToken cancellationToken)
    {
        var result = await PeerClients.ParamikoAsync(Server, Auth.Key, "sha256sum", cancellationToken, compress: true, stdin: Text);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Is.EqualTo(Sha256(Text) + "  -\n"), result.Describe);
        Assert.That(result.Stderr, Does.Match("compression=zlib(@openssh.com)?,zlib"), result.Describe);
    }
}
