using System.Diagnostics;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary><c>sshcs server</c> as a child process on a free loopback port, with sshd's host key and the same
/// authorized client key as a <see cref="LocalSshd"/>, so one known_hosts line and one key reach both.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SshcsServerProcess : IDisposable
{
    private readonly Process _process;

    private SshcsServerProcess(Process process, int port, string knownHosts)
    {
        _process = process;
        Port = port;
        KnownHosts = knownHosts;
    }

    public int Port { get; }
    public string KnownHosts { get; }
    public int ProcessId => _process.Id;

    /// <param name="executable">A published sshcs binary to run; null runs the built sshcs.dll under dotnet.</param>
    public static async Task<SshcsServerProcess> StartAsync(LocalSshd sshd, string? executable, params string[] extraArguments)
    {
        var startInfo = new ProcessStartInfo(executable ?? IdleConnectionsRun.DotnetPath()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (executable is null ? [IdleConnectionsRun.CliPath()] : Array.Empty<string>()).Concat(new[]
        {
            "server", "--listen", "127.0.0.1:0", "--user", $"{LocalSshd.User}:unused-password",
            "--host-key", Path.Combine(sshd.Directory, "host_ed25519"), "--authorized-keys", Path.Combine(sshd.Directory, "authorized_keys"),
            "--log-level", "error",
        }).Concat(extraArguments))
        {
            startInfo.ArgumentList.Add(a);
        }
        Process process = Process.Start(startInfo)!;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"server: {e.Data}"); };
        process.BeginErrorReadLine();
        int port = await IdleConnectionsRun.ReadPortAsync(process);
        string knownHosts = Path.Combine(sshd.Directory, $"known_hosts_sshcs_{port}");
        File.WriteAllText(knownHosts, $"[127.0.0.1]:{port} {File.ReadAllText(Path.Combine(sshd.Directory, "host_ed25519.pub")).Trim()}\n");
        return new SshcsServerProcess(process, port, knownHosts);
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
