using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary>Our client against dropbear's server (dropbear-bin), the other SSH server Debian ships: password login
/// (dropbear reads /etc/shadow; the interop user has a known password), exec with its exit status, and a transfer
/// both ways. Our client sends its first KEXINIT with its version line and its first authentication request behind
/// the service request without waiting for SERVICE_ACCEPT; a second server implementation proves that holds.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ClientDropbearTests
{
    private const int TimeoutMs = 120_000;
    private string _directory = "";
    private Process? _dropbear;
    private int _port;
    private string _hostKeyLine = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs a local dropbear.");
        _directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-dropbear-");
        string hostKey = Path.Combine(_directory, "dropbear_ed25519_host_key");
        var keygen = await ProcessRunner.RunAsync(PeerBinaries.DropbearKey, ["-t", "ed25519", "-f", hostKey], timeout: TimeSpan.FromSeconds(30));
        Assert.That(keygen.ExitCode, Is.EqualTo(0), keygen.Describe());
        string publicLine = keygen.Stdout.Split('\n').First(l => l.StartsWith("ssh-ed25519 ", StringComparison.Ordinal)).Trim();

        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _hostKeyLine = $"[127.0.0.1]:{_port} {string.Join(' ', publicLine.Split(' ').Take(2))}";
        // -F foreground, -E log to stderr, -p only on loopback, -j -k no forwarding, -P its pid file in our directory.
        var startInfo = new ProcessStartInfo(PeerBinaries.Dropbear) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "-F", "-E", "-j", "-k", "-r", hostKey, "-p", $"127.0.0.1:{_port}", "-P", Path.Combine(_directory, "dropbear.pid") })
            startInfo.ArgumentList.Add(a);
        _dropbear = Process.Start(startInfo)!;
        _dropbear.BeginOutputReadLine();
        _dropbear.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, _port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_dropbear.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    [OneTimeTearDown]
    public void Stop()
    {
        if (_dropbear is { HasExited: false }) _dropbear.Kill(entireProcessTree: true);
        _dropbear?.WaitForExit(5000);
        _dropbear?.Dispose();
        if (_directory.Length > 0) OpenSshServer.TryDeleteDirectory(_directory);
    }

    private async Task<SshClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SshClient();
        string knownHosts = Path.Combine(_directory, "known_hosts");
        await File.WriteAllTextAsync(knownHosts, _hostKeyLine + "\n", cancellationToken);
        client.LoadHostKeys(knownHosts);
        await client.ConnectAsync("127.0.0.1", _port, TestUser.Name, password: TestUser.Password, lookForKeys: false, allowAgent: false,
            cancellationToken: cancellationToken);
        return client;
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Password_login_and_exec_report_the_exit_status(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "echo from-dropbear; id -un; exit 7", cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(7));
        Assert.That(result.StdoutText, Is.EqualTo($"from-dropbear\n{TestUser.Name}\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ten_megabytes_go_both_ways_intact(CancellationToken cancellationToken)
    {
        await using SshClient client = await ConnectAsync(cancellationToken);
        byte[] data = RandomNumberGenerator.GetBytes(10 * 1024 * 1024);
        var channel = await client.GetTransport()!.OpenSessionAsync(cancellationToken);
        await channel.ExecCommandAsync("sha256sum", cancellationToken);
        await channel.SendAllAsync(data, cancellationToken);
        await channel.ShutdownWriteAsync(cancellationToken);
        byte[] buffer = new byte[4096];
        var output = new MemoryStream();
        int n;
        while ((n = await channel.ReadAsync(buffer, cancellationToken)) > 0) output.Write(buffer, 0, n);
        Assert.That(System.Text.Encoding.ASCII.GetString(output.ToArray()).Split(' ')[0], Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData(data))));
        Assert.That(await channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0));

        var download = await ClientTestSupport.ExecAsync(client, "head -c 10485760 /dev/zero", cancellationToken: cancellationToken);
        Assert.That(download.ExitCode, Is.EqualTo(0));
        Assert.That(download.Stdout.Length, Is.EqualTo(10 * 1024 * 1024));
    }
}
