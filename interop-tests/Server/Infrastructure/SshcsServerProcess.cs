using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Server.Infrastructure;

/// <summary>
/// <c>sshcs server</c> (our CLI, <c>dotnet sshcs.dll server</c>) as a child process on a free loopback port, with an
/// ed25519 host key and an ed25519 client key made by <c>ssh-keygen</c> in a temp dir, a user with a password, and a
/// known_hosts file holding the host key. Dispose sends SIGTERM, waits up to 10 s, then kills.
/// </summary>
public sealed class SshcsServerProcess : IAsyncDisposable, IDisposable
{
    public const string DefaultUser = "sshcs";
    public const string DefaultPassword = "sshcs-interop-pw";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<SshcsServerProcess, byte> Running = new();

    static SshcsServerProcess()
    {
        // Never leave a server behind, even when a fixture forgets to dispose or the run is cancelled.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Running.Keys) server.Kill();
        };
    }

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopped;

    private SshcsServerProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Host => "127.0.0.1";
    public int Port { get; private set; }
    public string User { get; internal set; } = DefaultUser;
    public string Password { get; internal set; } = DefaultPassword;
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The temp dir holding the keys, known_hosts and anything a test puts there; removed on Dispose.</summary>
    public string Directory { get; }

    /// <summary>The unencrypted OpenSSH-format ed25519 private key that the server's authorized keys let in.</summary>
    public string ClientKeyPath => Path.Combine(Directory, "id_ed25519");
    public string HostKeyPath => Path.Combine(Directory, "ssh_host_ed25519_key");

    /// <summary>The host key as <c>ssh-ed25519 AAAA...</c> (type and base64, no comment).</summary>
    public string HostPublicKey { get; internal set; } = "";

    /// <summary>The known_hosts line for this server: <c>[127.0.0.1]:PORT ssh-ed25519 AAAA...</c>.</summary>
    public string HostKeyLine => $"[{Host}]:{Port} {HostPublicKey}";

    /// <summary>A known_hosts file holding only <see cref="HostKeyLine"/>.</summary>
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    /// <summary><c>SHA256:...</c> as the server printed it on its <c>Host key:</c> line (and as ssh-keygen -l prints it).</summary>
    public string HostKeyFingerprint { get; private set; } = "";

    /// <summary>Everything the server printed on stdout.</summary>
    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    /// <summary>The path of <c>sshcs.dll</c>: built next to the tests by the project reference, found from the test
    /// assembly's directory (<c>interop-tests/bin/CONFIG/TFM/</c>) as <c>src/Ssh.Cli/bin/CONFIG/TFM/sshcs.dll</c>.
    /// <c>SSHCS_CLI</c> overrides it.</summary>
    public static string CliPath()
    {
        if (Environment.GetEnvironmentVariable("SSHCS_CLI") is { Length: > 0 } overridden)
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException($"SSHCS_CLI={overridden}: no such file.");
        var baseDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = baseDirectory.Name;
        string configuration = typeof(SshcsServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
            ?? baseDirectory.Parent?.Name ?? "Release";
        var searched = new List<string>();
        for (var dir = baseDirectory; dir != null; dir = dir.Parent)
        {
            if (!System.IO.Directory.Exists(Path.Combine(dir.FullName, "src", "Ssh.Cli"))) continue;
            foreach (string candidate in new[]
            {
                Path.Combine(dir.FullName, "src", "Ssh.Cli", "bin", configuration, tfm, "sshcs.dll"),
                Path.Combine(dir.FullName, "src", "Ssh.Cli", "bin", "Release", tfm, "sshcs.dll"),
                Path.Combine(dir.FullName, "src", "Ssh.Cli", "bin", "Debug", tfm, "sshcs.dll"),
            })
            {
                if (File.Exists(candidate)) return candidate;
                searched.Add(candidate);
            }
        }
        throw new FileNotFoundException("sshcs.dll is not built (build interop-tests, which builds src/Ssh.Cli). Looked for:\n  "
            + string.Join("\n  ", searched.Distinct()));
    }

    /// <summary>The <c>dotnet</c> that runs this test host, to run <c>sshcs.dll</c> with.</summary>
    public static string DotnetPath() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";

    /// <summary>Generates keys, starts <c>sshcs server --listen 127.0.0.1:0 --user NAME:PW --authorized-keys FILE
    /// --host-key FILE</c> plus <paramref name="extraArguments"/>, and waits (≤ 15 s) until it prints where it
    /// listens and its host key.</summary>
    /// <param name="extraArguments">Appended to the command line.</param>
    /// <param name="fileLimit">When set, the server runs under <c>ulimit -n</c> of this many open files.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public static async Task<SshcsServerProcess> StartAsync(IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default,
        int? fileLimit = null)
    {
        string directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-server-");
        SshcsServerProcess? server = null;
        try
        {
            string hostKey = Path.Combine(directory, "ssh_host_ed25519_key");
            string clientKey = Path.Combine(directory, "id_ed25519");
            await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-C", "sshcs-interop-host", "-f", hostKey], TimeSpan.FromSeconds(30), cancellationToken);
            await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", "ed25519", "-C", "sshcs-interop-client", "-f", clientKey], TimeSpan.FromSeconds(30), cancellationToken);
            string authorizedKeys = Path.Combine(directory, "authorized_keys");
            File.Copy(clientKey + ".pub", authorizedKeys);

            var arguments = new List<string>
            {
                "server", "--listen", "127.0.0.1:0",
                "--user", $"{DefaultUser}:{DefaultPassword}",
                "--authorized-keys", authorizedKeys,
                "--host-key", hostKey,
            };
            arguments.AddRange(extraArguments ?? []);
            server = Launch(arguments, directory, environment: null, fileLimit);
            await server.WaitUntilReadyAsync(ReadyTimeout, cancellationToken);

            string[] pub = (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim().Split(' ');
            server.HostPublicKey = $"{pub[0]} {pub[1]}";
            await File.WriteAllTextAsync(server.KnownHostsPath, server.HostKeyLine + "\n", cancellationToken);
            string expected = await KeySet.FingerprintAsync(hostKey + ".pub", cancellationToken);
            if (server.HostKeyFingerprint != expected)
                throw new InvalidOperationException($"sshcs server announced host key {server.HostKeyFingerprint}, but {hostKey} is {expected}.\n{server.LogTail()}");
            return server;
        }
        catch
        {
            if (server != null) await server.DisposeAsync();
            else OpenSshServer.TryDeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>Starts <c>sshcs</c> with exactly <paramref name="arguments"/> (the first being the subcommand) and
    /// the temp dir <paramref name="directory"/> (deleted on Dispose); does not wait for anything.</summary>
    internal static SshcsServerProcess Launch(IReadOnlyList<string> arguments, string directory, IReadOnlyDictionary<string, string?>? environment,
        int? fileLimit = null)
    {
        var startInfo = new ProcessStartInfo(fileLimit is null ? DotnetPath() : "/bin/bash")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        if (fileLimit is { } limit)
        {
            // bash sets the limit and then becomes the server (exec), so the PID is the server's.
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add($"ulimit -n {limit} && exec \"$0\" \"$@\"");
            startInfo.ArgumentList.Add(DotnetPath());
        }
        startInfo.ArgumentList.Add(CliPath());
        foreach (string argument in arguments) startInfo.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) startInfo.Environment.Remove(name);
            else startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var server = new SshcsServerProcess(process, directory);
        process.OutputDataReceived += (_, e) => server.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (server._stderr) server._stderr.Append(e.Data).Append('\n');
        };
        process.Exited += (_, _) => server._ready.TrySetException(new InvalidOperationException("sshcs server exited during startup."));
        if (!process.Start()) throw new InvalidOperationException("Could not start sshcs.");
        Running.TryAdd(server, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return server;
    }

    private void OnStdout(string? line)
    {
        if (line is null) return;
        lock (_stdout) _stdout.Append(line).Append('\n');
        if (line.StartsWith("Listening on ", StringComparison.Ordinal))
        {
            string endpoint = line["Listening on ".Length..].Trim();
            Port = int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (line.StartsWith("Host key: ", StringComparison.Ordinal) && HostKeyFingerprint.Length == 0)
        {
            // "Host key: ssh-ed25519 SHA256:..."
            HostKeyFingerprint = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
            if (Port != 0) _ready.TrySetResult();
        }
    }

    /// <summary>Waits for the <c>Listening on</c> and <c>Host key:</c> lines.</summary>
    internal async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _ready.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"sshcs server did not print 'Listening on' within {timeout.TotalSeconds:0} s.\n{LogTail()}");
        }
        catch (InvalidOperationException)
        {
            // Exited: let the output readers finish so the message holds everything it printed.
            _process.WaitForExit(2000);
            throw new InvalidOperationException($"sshcs server exited during startup (exit code {_process.ExitCode}).\n{LogTail()}");
        }
    }

    /// <summary>Waits for the process to exit on its own (bounded) and returns its exit code.</summary>
    internal async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>What the server printed, stdout then the last <paramref name="lines"/> lines of its log (stderr),
    /// for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        string stderr;
        lock (_stderr) stderr = _stderr.ToString();
        var tail = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines);
        return $"--- sshcs server stdout ---\n{Stdout}--- sshcs server stderr (last {lines} lines) ---\n{string.Join('\n', tail)}";
    }

    /// <summary>The whole stderr log.</summary>
    public string Log
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>For a [TearDown]: prints the server's log tail when the current test failed.</summary>
    public void WriteLogTailIfFailed()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine(LogTail());
    }

    /// <summary>SIGTERM (through <c>kill -TERM PID</c>), up to 10 s for a graceful exit, then a kill.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            if (!_process.HasExited)
            {
                await ProcessRunner.RunAsync("/bin/kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    timeout: TimeSpan.FromSeconds(5));
                using var wait = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    TestContext.Out.WriteLine($"sshcs server (pid {_process.Id}) did not stop within {StopTimeout.TotalSeconds:0} s of SIGTERM; killing it.");
                    ProcessRunner.KillTree(_process);
                    _process.WaitForExit(5000);
                }
            }
        }
        finally
        {
            Running.TryRemove(this, out _);
            _process.Dispose();
            OpenSshServer.TryDeleteDirectory(Directory);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Exit-time cleanup: no waiting for anything graceful.</summary>
    private void Kill()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        ProcessRunner.KillTree(_process);
        OpenSshServer.TryDeleteDirectory(Directory);
    }
}
