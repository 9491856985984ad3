using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Transport;

namespace Ssh.InteropTests.Server;

/// <summary>The attacks of the hardening issue, replayed against <c>sshcs server</c> as users run it (a child
/// process), each showing the server held: no lock-out by idle or stalled connections, no crash when a user opens
/// forwards until file descriptors run short, no empty or world-readable credentials, no escape sequences from a peer
/// in the log, and a client that never waits without a bound.</summary>
[TestFixture]
public sealed class HardeningTests
{
    private const int TimeoutMs = 180_000;

    private static async Task<SshClient> LoginAsync(SshcsServerProcess server, CancellationToken cancellationToken, string? user = null)
    {
        var client = new SshClient();
        client.LoadHostKeys(server.KnownHostsPath);
        await client.ConnectAsync(server.Host, server.Port, user ?? server.User, pkey: Ssh.Transport.Keys.SshPrivateKey.FromFile(server.ClientKeyPath),
            lookForKeys: false, allowAgent: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        return client;
    }

    private static async Task<string> RunAsync(SshClient client, string command, CancellationToken cancellationToken)
    {
        var (_, stdout, _) = await client.ExecCommandAsync(command, cancellationToken: cancellationToken);
        return await stdout.ReadToEndAsync(cancellationToken);
    }

    /// <summary>Finding 2: 500 silent connections and 100 that stall after KEXINIT, held open, used to lock out every
    /// login. With the oldest unauthenticated connection making room for each newcomer, 20 real logins each succeed
    /// within 2 s.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Silent_and_stalled_connections_do_not_lock_out_logins(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(["--max-startups", "100"], cancellationToken);
        var attackers = new List<Socket>();
        try
        {
            for (int i = 0; i < 500; i++) attackers.Add(await ConnectRawAsync(server, cancellationToken));
            byte[] stall = [.. Encoding.ASCII.GetBytes("SSH-2.0-stall\r\n"), .. KexInitPacket()];
            for (int i = 0; i < 100; i++)
            {
                Socket socket = await ConnectRawAsync(server, cancellationToken);
                await socket.SendAsync(stall, SocketFlags.None, cancellationToken);
                attackers.Add(socket);
            }

            for (int i = 0; i < 20; i++)
            {
                var clock = Stopwatch.StartNew();
                await using SshClient client = await LoginAsync(server, cancellationToken);
                Assert.That(await RunAsync(client, "echo in", cancellationToken), Is.EqualTo("in\n"), server.LogTail());
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), $"login {i + 1} took {clock.Elapsed.TotalSeconds:0.00} s\n{server.LogTail()}");
            }
            Assert.That(server.Log, Does.Contain("dropped the oldest"));
        }
        finally
        {
            foreach (Socket socket in attackers) socket.Dispose();
        }
    }

    private static async Task<Socket> ConnectRawAsync(SshcsServerProcess server, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port, cancellationToken);
        return socket;
    }

    /// <summary>An unencrypted SSH_MSG_KEXINIT packet (RFC 4253 §6, §7.1) offering what the server takes.</summary>
    private static byte[] KexInitPacket()
    {
        var payload = new List<byte> { 20 };
        payload.AddRange(new byte[16]); // cookie
        foreach (string list in new[] { "curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "" })
        {
            byte[] bytes = Encoding.ASCII.GetBytes(list);
            payload.AddRange(BigEndian(bytes.Length));
            payload.AddRange(bytes);
        }
        payload.Add(0);                 // first_kex_packet_follows
        payload.AddRange(new byte[4]);  // reserved
        int padding = 8 - (5 + payload.Count) % 8;
        if (padding < 4) padding += 8;
        var packet = new List<byte>();
        packet.AddRange(BigEndian(1 + payload.Count + padding));
        packet.Add((byte)padding);
        packet.AddRange(payload);
        packet.AddRange(new byte[padding]);
        return [.. packet];
    }

    private static byte[] BigEndian(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Finding 1: one user opening remote forwards until refused, on a server whose file limit is low, used
    /// to crash the process. Now forwards are refused (per connection, and before descriptors run out), and a new
    /// login still works.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Forwards_until_refused_under_a_low_file_limit_leave_the_server_serving(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken, fileLimit: 400);
        var clients = new List<SshClient>();
        int bound = 0, refused = 0;
        try
        {
            for (int c = 0; c < 12; c++)
            {
                SshClient client = await LoginAsync(server, cancellationToken);
                clients.Add(client);
                for (int f = 0; f < 40; f++)
                {
                    try
                    {
                        await client.GetTransport()!.RequestPortForwardAsync("127.0.0.1", 0, cancellationToken: cancellationToken);
                        bound++;
                    }
                    catch (SshException)
                    {
                        refused++;
                    }
                }
            }
            Assert.That(refused, Is.GreaterThan(0), "nothing was ever refused");
            Assert.That(server.HasExited, Is.False, server.LogTail());
            Assert.That(server.Log, Does.Contain("forward listeners").Or.Contain("close to its limit of open files"));

            await using SshClient fresh = await LoginAsync(server, cancellationToken);
            Assert.That(await RunAsync(fresh, "echo alive", cancellationToken), Is.EqualTo("alive\n"), server.LogTail());
            TestContext.Out.WriteLine($"{bound} forwards bound, {refused} refused under ulimit -n 400");
        }
        catch (Exception e) when (e is not AssertionException)
        {
            throw new InvalidOperationException($"{bound} forwards bound, {refused} refused, then: {e.Message}\n{server.LogTail()}", e);
        }
        finally
        {
            foreach (SshClient client in clients) await client.DisposeAsync();
        }
    }

    /// <summary>Finding 5: an empty password is refused unless asked for; a password given by environment never
    /// shows on the command line.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Empty_passwords_are_refused_and_passwords_can_stay_off_the_command_line(CancellationToken cancellationToken)
    {
        var refused = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "server", "--listen", "127.0.0.1:0", "--user", "tester:"],
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(refused.ExitCode, Is.Not.EqualTo(0), refused.Describe());
        Assert.That(refused.Stderr, Does.Contain("--permit-empty-passwords"), refused.Describe());

        const string secret = "from-the-environment-only";
        Environment.SetEnvironmentVariable("SSHCS_HARDENING_PW", secret);
        await using var server = await SshcsServerProcess.StartAsync(["--user", "envuser", "--password-env", "SSHCS_HARDENING_PW"], cancellationToken);
        string commandLine = (await File.ReadAllTextAsync($"/proc/{server.ProcessId}/cmdline", cancellationToken)).Replace('\0', ' ');
        Assert.That(commandLine, Does.Not.Contain(secret));

        await using var client = new SshClient();
        client.LoadHostKeys(server.KnownHostsPath);
        await client.ConnectAsync(server.Host, server.Port, "envuser", password: secret, lookForKeys: false, allowAgent: false,
            cancellationToken: cancellationToken);
        Assert.That(await RunAsync(client, "echo ok", cancellationToken), Is.EqualTo("ok\n"));
    }

    /// <summary>Finding 8: a private host key that group or others may read is refused, as sshd's StrictModes does.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task A_host_key_readable_by_others_is_refused(CancellationToken cancellationToken)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-hostkey-");
        try
        {
            string key = Path.Combine(directory, "host_key");
            await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-f", key], TimeSpan.FromSeconds(30), cancellationToken);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
                [SshcsServerProcess.CliPath(), "server", "--listen", "127.0.0.1:0", "--host-key", key],
                timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.Describe());
            Assert.That(result.Stderr, Does.Contain("chmod 600").And.Contain(key), result.Describe());
        }
        finally
        {
            OpenSshServer.TryDeleteDirectory(directory);
        }
    }

    /// <summary>Finding 7: a user name carrying terminal escapes reaches the log without them; a refused attempt is
    /// logged in the line fail2ban matches.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Peer_text_reaches_the_log_without_escape_sequences(CancellationToken cancellationToken)
    {
        await using var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        await using var client = new SshClient();
        client.LoadHostKeys(server.KnownHostsPath);
        Assert.CatchAsync<SshException>(() => client.ConnectAsync(server.Host, server.Port, "\u001b[2Jevil\u0007", password: "wrong",
            lookForKeys: false, allowAgent: false, cancellationToken: cancellationToken));
        await Task.Delay(200, cancellationToken);
        Assert.That(server.Log, Does.Not.Contain("\u001b").And.Not.Contain("\u0007"));
        Assert.That(server.Log, Does.Match(@"Failed password for \[2Jevil from 127\.0\.0\.1 port \d+ ssh2"), server.LogTail());
    }

    /// <summary>Finding 6: <c>sshcs exec</c> against a peer that accepts TCP and says nothing ends, and with
    /// ServerAliveInterval a frozen server is noticed within interval × count.</summary>
    [Test, CancelAfter(TimeoutMs)]
    public async Task Sshcs_exec_never_waits_without_a_bound(CancellationToken cancellationToken)
    {
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen();
        int silentPort = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var clock = Stopwatch.StartNew();
        var quiet = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", "-p", silentPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-o", "ConnectTimeout=2", "--host-key-policy", "auto-add", "--known-hosts", "/dev/null", "nobody@127.0.0.1", "true"],
            timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        Assert.That(quiet.ExitCode, Is.EqualTo(255), quiet.Describe());
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), quiet.Describe());
        Assert.That(quiet.Stderr, Does.Contain("timed out"), quiet.Describe());

        await using var server = await SshcsServerProcess.StartAsync(cancellationToken: cancellationToken);
        var exec = ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "-i", server.ClientKeyPath, "--known-hosts", server.KnownHostsPath, "-o", "ServerAliveInterval=1", "-o", "ServerAliveCountMax=2",
             $"{server.User}@127.0.0.1", "echo started; sleep 60"],
            timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken); // connected and running
        string pid = server.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ProcessRunner.RunCheckedAsync("/bin/kill", ["-STOP", pid], cancellationToken: cancellationToken);
        try
        {
            clock.Restart();
            ProcessResult frozen = await exec;
            Assert.That(frozen.ExitCode, Is.EqualTo(255), frozen.Describe());
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)), frozen.Describe());
            Assert.That(frozen.Stderr, Does.Contain("keepalive"), frozen.Describe());
        }
        finally
        {
            await ProcessRunner.RunAsync("/bin/kill", ["-CONT", pid]);
        }
    }
}
