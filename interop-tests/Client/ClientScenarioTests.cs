using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;

namespace Ssh.InteropTests.Client;

/// <summary>The classic scenarios people hit with paramiko and SSH.NET, against Debian's sshd: sudo with a pty,
/// background daemons, interactive shells, many channels at once, timeouts.</summary>
[TestFixture]
public sealed class ClientScenarioTests : SharedServerFixture
{
    private const int TimeoutMs = 120_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sudo_S_with_a_pty_reads_the_password_from_stdin(CancellationToken cancellationToken)
    {
        string password = Target.RequirePassword();
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var (stdin, stdout, _) = await client.ExecCommandAsync("sudo -S -p '' whoami", getPty: true, cancellationToken: cancellationToken);
        await stdin.WriteAsync(password + "\n", cancellationToken);
        await stdin.FlushAsync(cancellationToken);
        string output = await stdout.ReadToEndAsync(cancellationToken);
        Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0), output);
        // The password may show in the output: it is written before sudo turns the terminal's echo off, and the
        // pty echoes it, exactly as with OpenSSH's ssh -t. What matters is that sudo read it.
        Assert.That(output, Does.Contain("root"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sudo_prompts_on_the_pty_and_takes_the_password(CancellationToken cancellationToken)
    {
        string password = Target.RequirePassword();
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var (stdin, stdout, _) = await client.ExecCommandAsync("sudo -k; sudo id -un", getPty: true, cancellationToken: cancellationToken);
        string prompt = await ReadUntilAsync(stdout, "password", cancellationToken);
        Assert.That(prompt, Does.Contain("password").IgnoreCase);
        await stdin.WriteAsync(password + "\n", cancellationToken);
        await stdin.FlushAsync(cancellationToken);
        string rest = await stdout.ReadToEndAsync(cancellationToken);
        Assert.That(await stdout.Channel.RecvExitStatusAsync(cancellationToken), Is.EqualTo(0), rest);
        Assert.That(rest, Does.Contain("root"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_background_daemon_returns_promptly_and_outlives_the_connection(CancellationToken cancellationToken)
    {
        string password = Target.RequirePassword();
        string marker = $"sleep 47.{Random.Shared.Next(1000, 9999)}";
        try
        {
            await using (SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken))
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var result = await ClientTestSupport.ExecAsync(client,
                    $"sudo -S -p '' bash -c \"nohup {marker} > /dev/null 2>&1 &\"", Encoding.UTF8.GetBytes(password + "\n"), cancellationToken);
                Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
                Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the call must not wait for the daemon");
            }
            await using SshClient again = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
            var check = await ClientTestSupport.ExecAsync(again, $"pgrep -f '{marker}'", cancellationToken: cancellationToken);
            Assert.That(check.ExitCode, Is.EqualTo(0), "the daemon must keep running after the client disconnected");
        }
        finally
        {
            await using SshClient cleanup = await ClientTestSupport.ConnectAsync(Target, cancellationToken: CancellationToken.None);
            await ClientTestSupport.ExecAsync(cleanup, $"sudo -S -p '' pkill -f '{marker}'", Encoding.UTF8.GetBytes(password + "\n"), CancellationToken.None);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Interactive_shell_runs_commands_and_follows_a_resize(CancellationToken cancellationToken)
    {
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        Channel shell = await client.InvokeShellAsync("xterm", 80, 24, cancellationToken: cancellationToken);
        ChannelFile output = shell.MakeFile();
        await shell.SendAllAsync(Encoding.UTF8.GetBytes("echo marker_$((40+2))\n"), cancellationToken);
        await ReadUntilAsync(output, "marker_42", cancellationToken);
        await shell.ResizePtyAsync(100, 40, cancellationToken: cancellationToken);
        await shell.SendAllAsync(Encoding.UTF8.GetBytes("echo size_$(stty size | tr ' ' x)\n"), cancellationToken);
        await ReadUntilAsync(output, "size_40x100", cancellationToken);
        await shell.SendAllAsync(Encoding.UTF8.GetBytes("exit 7\n"), cancellationToken);
        Assert.That(await shell.RecvExitStatusAsync(cancellationToken), Is.EqualTo(7));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Hundred_concurrent_execs_on_one_connection_keep_their_data_apart(CancellationToken cancellationToken)
    {
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var runs = Enumerable.Range(0, 100).Select(async i =>
        {
            byte[] data = new byte[100_000 + i];
            new Random(i).NextBytes(data);
            var result = await ClientTestSupport.ExecAsync(client, $"sha256sum; echo channel{i} >&2", data, cancellationToken);
            Assert.That(result.StdoutText, Does.StartWith(Convert.ToHexStringLower(SHA256.HashData(data))), $"channel {i}");
            Assert.That(result.Stderr, Is.EqualTo($"channel{i}\n"));
        });
        await Task.WhenAll(runs);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_read_timeout_raises_and_leaves_the_connection_usable(CancellationToken cancellationToken)
    {
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        var (_, stdout, _) = await client.ExecCommandAsync("sleep 3; echo late", timeout: TimeSpan.FromMilliseconds(300), cancellationToken: cancellationToken);
        Assert.ThrowsAsync<TimeoutException>(() => stdout.ReadLineAsync(cancellationToken));
        var after = await ClientTestSupport.ExecAsync(client, "echo still-here", cancellationToken: cancellationToken);
        Assert.That(after.StdoutText, Is.EqualTo("still-here\n"));
        stdout.Channel.SetTimeout(null);
        Assert.That(await stdout.ReadLineAsync(cancellationToken), Is.EqualTo("late\n"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Keepalive_detects_a_frozen_peer(CancellationToken cancellationToken)
    {
        if (Target.Server is null) Assert.Ignore("Needs a local sshd to freeze; an external server (SSH_INTEROP_HOST) cannot be.");
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        await using SshClient client = await ClientTestSupport.ConnectAsync(target, cancellationToken: cancellationToken);
        var transport = client.GetTransport()!;
        Channel channel = await transport.OpenSessionAsync(cancellationToken);
        await channel.ExecCommandAsync("sleep 60", cancellationToken);

        int[] sessionProcesses = Descendants(target.Server!.ProcessId);
        Assert.That(sessionProcesses, Is.Not.Empty, "no sshd session process to freeze");
        foreach (int pid in sessionProcesses) Kill("STOP", pid);
        try
        {
            var interval = TimeSpan.FromMilliseconds(500);
            const int countMax = 3;
            transport.SetKeepalive(interval, countMax);
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var error = Assert.ThrowsAsync<SshConnectionException>(async () => await channel.ReadAsync(new byte[16], cancellationToken));
            Assert.That(error!.Message, Does.Contain("keepalive"));
            Assert.That(stopwatch.Elapsed, Is.LessThan(interval * countMax + TimeSpan.FromSeconds(1)));
        }
        finally
        {
            foreach (int pid in sessionProcesses) Kill("KILL", pid);
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Keepalive_keeps_a_live_idle_connection(CancellationToken cancellationToken)
    {
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        client.GetTransport()!.SetKeepalive(TimeSpan.FromMilliseconds(200), countMax: 2);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // ten intervals with nothing but keepalives
        var result = await ClientTestSupport.ExecAsync(client, "echo alive", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("alive\n"));
    }

    private static int[] Descendants(int pid)
    {
        var found = new List<int>();
        var queue = new Queue<int>([pid]);
        while (queue.TryDequeue(out int parent))
        {
            string children = $"/proc/{parent}/task/{parent}/children";
            if (!File.Exists(children)) continue;
            foreach (string child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                found.Add(int.Parse(child));
                queue.Enqueue(int.Parse(child));
            }
        }
        return found.ToArray();
    }

    private static void Kill(string signal, int pid)
    {
        using var p = System.Diagnostics.Process.Start("kill", $"-{signal} {pid}");
        p.WaitForExit();
    }

    private static async Task<string> ReadUntilAsync(ChannelFile file, string text, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!seen.ToString().Contains(text, StringComparison.OrdinalIgnoreCase))
        {
            int n = await file.ReadAsync(buffer.AsMemory(), cancellationToken);
            if (n == 0) Assert.Fail($"The stream ended before '{text}' appeared. Got: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return seen.ToString();
    }
}
