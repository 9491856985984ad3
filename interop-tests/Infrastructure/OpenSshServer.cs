using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ssh.InteropTests.Infrastructure;

/// <summary>Debian's <c>/usr/sbin/sshd</c> as a child process on a free loopback port, with a generated config,
/// generated host keys and a generated client key in a temp dir. Dispose (or the test process exiting) kills it.</summary>
/// <remarks>
/// Extra config lines go <em>before</em> the defaults, because for most sshd_config keywords the first value wins;
/// from the first <c>Match</c> line on they go at the end, where Match blocks must be. So <c>LogLevel INFO</c> quiets
/// the DEBUG3 default for a throughput test, and <c>PasswordAuthentication no</c> overrides ours.
/// </remarks>
public sealed class OpenSshServer : IAsyncDisposable, IDisposable
{
    private static readonly ConcurrentDictionary<OpenSshServer, byte> Running = new();
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(10);
    private const int BindAttempts = 5;

    static OpenSshServer()
    {
        // Never leave an sshd behind, even when a fixture forgets to dispose or the run is cancelled.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Running.Keys) server.Stop();
        };
    }

    private readonly Process _process;
    private readonly StringBuilder _output;
    private int _stopped;

    private OpenSshServer(string directory, int port, Process process, StringBuilder output, KeySet keys)
    {
        Directory = directory;
        Port = port;
        _process = process;
        _output = output;
        ProcessId = process.Id;
        ClientKeyPath = keys.ClientKey;
        ClientPublicKey = keys.ClientPublicKey;
        HostPublicKey = keys.HostEd25519PublicKey;
        HostKeyFingerprint = keys.HostEd25519Fingerprint;
        HostKeyPaths = keys.HostKeys;
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public string UserName => TestUser.Name;
    public string Password => TestUser.Password;

    /// <summary>The unencrypted OpenSSH-format ed25519 private key that authorized_keys lets in.</summary>
    public string ClientKeyPath { get; }
    /// <summary>The client key's public line (<c>ssh-ed25519 AAAA... comment</c>).</summary>
    public string ClientPublicKey { get; }
    /// <summary>The server's ed25519 host key, as the line in its .pub file.</summary>
    public string HostPublicKey { get; }
    /// <summary>The server's ed25519 host key fingerprint, <c>SHA256:...</c> as <c>ssh-keygen -l</c> prints it.</summary>
    public string HostKeyFingerprint { get; }
    /// <summary>Private host key paths by type: <c>ed25519</c>, <c>ecdsa</c>, <c>rsa</c> (the .pub is next to each).</summary>
    public IReadOnlyDictionary<string, string> HostKeyPaths { get; }

    /// <summary>The temp dir holding the config, the log, authorized_keys and (with fresh keys) the host keys.</summary>
    public string Directory { get; }
    public string ConfigPath => Path.Combine(Directory, "sshd_config");
    public string LogPath => Path.Combine(Directory, "sshd.log");
    public int ProcessId { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>Starts sshd and waits until it accepts connections.</summary>
    /// <param name="extraConfig">sshd_config lines, e.g. <c>Ciphers aes128-ctr</c>, <c>RekeyLimit 1M</c>.</param>
    /// <param name="freshHostKeys">New host keys for this server instead of the ones shared by the test run
    /// (for "the host key changed" tests; costs an RSA key generation).</param>
    /// <param name="sshd">The sshd to run: Debian's by default, <see cref="OpenSsh10.Sshd"/> for the post-quantum peer.</param>
    public static async Task<OpenSshServer> StartAsync(IEnumerable<string>? extraConfig = null, bool freshHostKeys = false, CancellationToken cancellationToken = default,
        string? sshd = null)
    {
        sshd ??= PeerBinaries.Sshd;
        if (!File.Exists(sshd))
            throw new InvalidOperationException($"{sshd} is missing; ./test.sh installs openssh-server and builds OpenSSH 10.");
        // OpenSSH 10 penalises sources that fail to log in, which a test run does on purpose.
        if (sshd != PeerBinaries.Sshd) extraConfig = [.. extraConfig ?? [], "PerSourcePenalties no"];
        var extra = extraConfig?.ToArray() ?? [];

        var directory = CreateDirectory(TempRoot(), "sshd-");
        try
        {
            var shared = await KeySet.SharedAsync(cancellationToken);
            var keys = freshHostKeys ? await KeySet.GenerateAsync(directory, shared, cancellationToken) : shared;

            // sshd reads AuthorizedKeysFile as the target user: it must be able to reach and read it.
            var authorizedKeys = Path.Combine(directory, "authorized_keys");
            await File.WriteAllTextAsync(authorizedKeys, keys.ClientPublicKey + "\n", cancellationToken);
            File.SetUnixFileMode(authorizedKeys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            for (int attempt = 1; ; attempt++)
            {
                int port = FreeLoopbackPort();
                await File.WriteAllTextAsync(Path.Combine(directory, "sshd_config"), Config(directory, port, keys, extra), cancellationToken);
                var (process, output) = Launch(sshd, directory);
                var server = new OpenSshServer(directory, port, process, output, keys);
                Running.TryAdd(server, 0);
                try
                {
                    if (await server.WaitUntilReadyAsync(cancellationToken)) return server;
                }
                catch
                {
                    server.Stop(deleteDirectory: false);
                    throw;
                }
                // sshd exited. Lost a race for the port: try another one. Anything else: report it.
                string log = server.LogTail(40);
                server.Stop(deleteDirectory: false);
                bool portTaken = log.Contains("Address already in use", StringComparison.Ordinal)
                    || log.Contains("Cannot bind any address", StringComparison.Ordinal);
                if (!portTaken || attempt == BindAttempts)
                    throw new InvalidOperationException($"sshd exited during startup (exit code {process.ExitCode}). Log tail:\n{log}");
            }
        }
        catch
        {
            TryDeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of sshd's log (DEBUG3) and anything it printed, for failure messages.</summary>
    public string LogTail(int lines = 60)
    {
        string log;
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // DEBUG3 logs grow large over a long transfer: read only the end (lines are well under 1 KiB).
            long start = Math.Max(0, stream.Length - (long)lines * 1024);
            stream.Seek(start, SeekOrigin.Begin);
            log = new StreamReader(stream).ReadToEnd();
            if (start > 0) log = log[(log.IndexOf('\n') + 1)..];
        }
        catch (IOException e)
        {
            log = $"(no log: {e.Message})";
        }
        string printed;
        lock (_output) printed = _output.ToString();
        var all = (log + printed).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.TakeLast(lines));
    }

    public void Dispose() => Stop();

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Kills sshd and every session process it forked (by PID), waits for it, removes the temp dir.</summary>
    private void Stop(bool deleteDirectory = true)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Running.TryRemove(this, out _);
            ProcessRunner.KillTree(_process);
            _process.WaitForExit(5000);
            _process.Dispose();
        }
        if (deleteDirectory) TryDeleteDirectory(Directory);
    }

    private async Task<bool> WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        string listening = $"Server listening on {Host} port {Port}.";
        while (deadline.Elapsed < ReadyTimeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited) return false;
            // The log line proves it is *our* sshd on the port; the banner proves it answers.
            if (LogTail(200).Contains(listening, StringComparison.Ordinal) && await AnswersWithBannerAsync(cancellationToken))
                return true;
            await Task.Delay(50, cancellationToken);
        }
        throw new TimeoutException($"sshd did not accept connections on {Host}:{Port} within {ReadyTimeout.TotalSeconds} s. Log tail:\n{LogTail(40)}");
    }

    private async Task<bool> AnswersWithBannerAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var buffer = new byte[8];
            int read = 0;
            var stream = client.GetStream();
            while (read < buffer.Length)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
                if (n == 0) return false;
                read += n;
            }
            return Encoding.ASCII.GetString(buffer) == "SSH-2.0-";
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static (Process, StringBuilder) Launch(string sshd, string directory)
    {
        var startInfo = new ProcessStartInfo(sshd)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // -D: stay in the foreground as our child. -E: log to a file instead of syslog.
        // sshd re-executes itself, so it needs its absolute path (it has one).
        foreach (var arg in new[] { "-D", "-E", Path.Combine(directory, "sshd.log"), "-f", Path.Combine(directory, "sshd_config") })
            startInfo.ArgumentList.Add(arg);
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var output = new StringBuilder();
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Append("[sshd output] ").Append(e.Data).Append('\n');
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static string Config(string directory, int port, KeySet keys, string[] extra)
    {
        int match = Array.FindIndex(extra, line => line.TrimStart().StartsWith("Match", StringComparison.OrdinalIgnoreCase));
        var before = match < 0 ? extra : extra[..match];
        var after = match < 0 ? [] : extra[match..];

        var config = new StringBuilder();
        config.AppendLine("# Generated by Ssh.InteropTests.OpenSshServer.");
        foreach (var line in before) config.AppendLine(line);
        config.AppendLine($"ListenAddress 127.0.0.1:{port}");
        foreach (var key in keys.HostKeys.Values) config.AppendLine($"HostKey {key}");
        config.AppendLine($"PidFile {Path.Combine(directory, "sshd.pid")}");
        config.AppendLine($"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}");
        config.AppendLine("StrictModes no");
        config.AppendLine("UsePAM no");
        config.AppendLine("PubkeyAuthentication yes");
        config.AppendLine("PasswordAuthentication yes");
        config.AppendLine("KbdInteractiveAuthentication no");
        config.AppendLine("PermitRootLogin yes");
        config.AppendLine("UseDNS no");
        config.AppendLine("PrintMotd no");
        config.AppendLine("PrintLastLog no");
        config.AppendLine($"Subsystem sftp {PeerBinaries.SftpServer}");
        config.AppendLine("LogLevel DEBUG3");
        config.AppendLine("MaxStartups 300:30:300");
        config.AppendLine("MaxSessions 200");
        config.AppendLine("MaxAuthTries 20");
        foreach (var line in after) config.AppendLine(line);
        return config.ToString();
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Where the per-server dirs go: <c>SSH_INTEROP_TMPDIR</c> (./test.sh sets one per run, to clean up
    /// after a killed test host) or the system temp dir. Every directory up to the server's must be traversable by
    /// the test user, so not a 0700 home.</summary>
    internal static string TempRoot() => Environment.GetEnvironmentVariable("SSH_INTEROP_TMPDIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();

    /// <summary>A fresh directory that the test user can traverse (0711) but not list: sshd reads authorized_keys as
    /// that user, while the private keys inside stay 0600.</summary>
    internal static string CreateDirectory(string parent, string prefix)
    {
        System.IO.Directory.CreateDirectory(parent);
        var path = Path.Combine(parent, "sshcs-" + prefix + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        // CreateDirectory applies the umask; set the mode exactly.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return path;
    }

    internal static void TryDeleteDirectory(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path)) System.IO.Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
