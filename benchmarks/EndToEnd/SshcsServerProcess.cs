using System.Diagnostics;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary><c>sshcs server</c> as a child process on a free loopback port: with a <see cref="LocalSshd"/>'s keys
/// (compare) or keys of its own (connections).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SshcsServerProcess : IDisposable
{
    private readonly Process _process;

    private SshcsServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    /// <summary>A known_hosts file for the server (set when it runs with sshd's keys).</summary>
    public string KnownHosts { get; private set; } = "";
    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary><c>SSHCS_EXE</c>: a published sshcs (scripts/publish-cli.sh) to run instead of sshcs.dll under dotnet.</summary>
    public static string? ExecutableFromEnvironment() =>
        Environment.GetEnvironmentVariable("SSHCS_EXE") is { Length: > 0 } exe ? exe : null;

    /// <summary>With sshd's host key and authorized client key, so one known_hosts line and one key reach both.</summary>
    /// <param name="executable">A published sshcs binary to run; null runs the built sshcs.dll under dotnet.</param>
    public static async Task<SshcsServerProcess> StartAsync(LocalSshd sshd, string? executable, params string[] extraArguments)
    {
        string hostKey = Path.Combine(sshd.Directory, "host_ed25519");
        var server = await StartAsync(LocalSshd.User, hostKey, Path.Combine(sshd.Directory, "authorized_keys"), executable, extraArguments);
        server.KnownHosts = Path.Combine(sshd.Directory, $"known_hosts_sshcs_{server.Port}");
        File.WriteAllText(server.KnownHosts, $"[127.0.0.1]:{server.Port} {File.ReadAllText(hostKey + ".pub").Trim()}\n");
        return server;
    }

    /// <summary><c>sshcs server</c> on a free loopback port for <paramref name="user"/>, logging errors only; waits
    /// until it prints where it listens.</summary>
    public static async Task<SshcsServerProcess> StartAsync(string user, string hostKeyFile, string authorizedKeysFile, string? executable,
        IEnumerable<string> extraArguments)
    {
        var startInfo = new ProcessStartInfo(executable ?? IdleConnectionsRun.DotnetPath()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (executable is null ? [IdleConnectionsRun.CliPath()] : Array.Empty<string>()).Concat(new[]
        {
            "server", "--listen", "127.0.0.1:0", "--user", $"{user}:unused-password",
            "--host-key", hostKeyFile, "--authorized-keys", authorizedKeysFile, "--log-level", "error",
        }).Concat(extraArguments))
        {
            startInfo.ArgumentList.Add(a);
        }
        Process process = Process.Start(startInfo)!;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"server: {e.Data}"); };
        process.BeginErrorReadLine();
        int port = await IdleConnectionsRun.ReadPortAsync(process);
        return new SshcsServerProcess(process, port);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
