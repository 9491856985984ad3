using System.Diagnostics;

namespace Ssh.InteropTests.Infrastructure;

/// <summary>OpenSSH's ssh-agent in the foreground (<c>ssh-agent -D -a SOCKET</c>) as our child process, on a socket in
/// its own temp dir; stopped by PID on dispose. <see cref="Environment"/> points <c>ssh-add</c> and friends at it.</summary>
public sealed class TestAgent : IAsyncDisposable
{
    private readonly Process _process;

    private TestAgent(Process process, string directory, string socket)
    {
        _process = process;
        Directory = directory;
        SocketPath = socket;
    }

    public string Directory { get; }
    public string SocketPath { get; }

    /// <summary>The environment for a child that should use this agent (and no askpass of ours).</summary>
    public Dictionary<string, string?> Environment => new() { ["SSH_AUTH_SOCK"] = SocketPath };

    /// <summary>Starts an agent; <paramref name="askpassAnswer"/>, when given, installs an SSH_ASKPASS script that
    /// answers confirmation prompts (exit 0: allow, else deny), for keys added with the confirm constraint.</summary>
    public static async Task<TestAgent> StartAsync(bool? askpassAnswer = null, CancellationToken cancellationToken = default)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "agent-");
        string socket = Path.Combine(directory, "agent.sock");
        var start = new ProcessStartInfo("/usr/bin/ssh-agent") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "-D", "-a", socket }) start.ArgumentList.Add(arg);
        if (askpassAnswer is { } allow)
        {
            string script = Path.Combine(directory, "askpass");
            await File.WriteAllTextAsync(script, $"#!/bin/sh\nexit {(allow ? 0 : 1)}\n", cancellationToken);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            start.Environment["SSH_ASKPASS"] = script;
            start.Environment["SSH_ASKPASS_REQUIRE"] = "force";
            start.Environment["DISPLAY"] = ":0";
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("ssh-agent did not start.");
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        var agent = new TestAgent(process, directory, socket);
        // The socket file appears at bind(), a moment before listen(): wait until a connection is accepted.
        for (int i = 0; i < 100; i++)
        {
            if (process.HasExited) break;
            if (File.Exists(socket) && await AcceptsAsync(socket, cancellationToken)) return agent;
            await Task.Delay(50, cancellationToken);
        }
        await agent.DisposeAsync();
        throw new InvalidOperationException("ssh-agent did not listen on its socket within 5 s.");
    }

    private static async Task<bool> AcceptsAsync(string socket, CancellationToken cancellationToken)
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket), cancellationToken);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    /// <summary><c>ssh-add [options] FILE...</c> against this agent; fails the test on a non-zero exit.</summary>
    public async Task<ProcessResult> AddAsync(params string[] args)
    {
        var result = await ProcessRunner.RunAsync("/usr/bin/ssh-add", args, environment: Environment, timeout: TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0) throw new InvalidOperationException($"ssh-add failed.\n{result.Describe()}");
        return result;
    }

    /// <summary><c>ssh-add -l</c>'s output (exit 1 with "The agent has no identities." is not a failure).</summary>
    public Task<ProcessResult> ListAsync(params string[] extra) =>
        ProcessRunner.RunAsync("/usr/bin/ssh-add", ["-l", .. extra], environment: Environment, timeout: TimeSpan.FromSeconds(30));

    public ValueTask DisposeAsync()
    {
        ProcessRunner.KillTree(_process);
        _process.WaitForExit(5000);
        _process.Dispose();
        OpenSshServer.TryDeleteDirectory(Directory);
        return ValueTask.CompletedTask;
    }
}
