using System.Net;
using System.Runtime.InteropServices;
using Ssh.Server;
using Ssh.Server.Sessions;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs server</c>: a throw-away SSH server for tests and CI.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ServerCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        ServerOptions options;
        try
        {
            options = ServerOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"sshcs server: {e.Message}");
            return 2;
        }

        var serverOptions = new SshServerOptions { Endpoint = options.Endpoint, Settings = options.Settings };
        if (options.MaxStartups is { } maxStartups) serverOptions.MaxUnauthenticatedConnections = maxStartups;
        serverOptions.HostKeys.AddRange(options.HostKeys);
        var logger = new Logger(options.LogLevel);
        await using var server = new SshServer(serverOptions, () =>
        {
            var handler = new CommandServerInterface(options.Accounts) { Log = logger.Info, SftpRoot = options.SftpRoot };
            foreach (var (name, command) in options.Subsystems) handler.Subsystems[name] = command;
            return handler;
        });
        server.Log += logger.Info;
        try
        {
            server.Start();
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Console.Error.WriteLine($"sshcs server: cannot listen on {options.Endpoint}: {e.Message}");
            return 1;
        }

        Console.Out.WriteLine($"Listening on {server.LocalEndPoint}");
        foreach (SshPrivateKey key in options.HostKeys)
            Console.Out.WriteLine($"Host key: {key.PublicKey.KeyType} {key.PublicKey.GetFingerprint()}");
        Console.Out.Flush();

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var sigusr1 = options.StatsFile is { } statsFile
            ? PosixSignalRegistration.Create(SIGUSR1, c => { c.Cancel = true; _ = Task.Run(() => WriteStats(statsFile, server)); })
            : null;
        await stop.Task.ConfigureAwait(false);
        logger.Info("shutting down");
        await server.StopAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Linux's SIGUSR1, as a raw signal number (PosixSignal has no name for it).</summary>
    private const PosixSignal SIGUSR1 = (PosixSignal)10;

    /// <summary>For the idle-connections benchmark (hidden <c>--stats-file FILE</c>): on SIGUSR1, after a full
    /// collection, writes the connection count and the live managed heap, replacing the file atomically.</summary>
    private static void WriteStats(string path, SshServer server)
    {
        try
        {
            long managed = GC.GetTotalMemory(forceFullCollection: true);
            string text = FormattableString.Invariant(
                $"connections {server.ConnectionCount}\nmanaged_heap_bytes {managed}\ngc_heap_size_bytes {GC.GetGCMemoryInfo().HeapSizeBytes}\n");
            string temp = path + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"sshcs server: cannot write {path}: {e.Message}");
        }
    }

    private sealed class Logger(string level)
    {
        public void Info(string message)
        {
            if (level is "error" or "quiet") return;
            Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {message}");
        }
    }
}

/// <summary>The command line of <c>sshcs server</c>.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class ServerOptions
{
    public const string DefaultUser = "test";
    public const string DefaultPassword = "test";

    public IPEndPoint Endpoint { get; private set; } = new(IPAddress.Loopback, 2222);
    public List<SshPrivateKey> HostKeys { get; } = [];
    public ServerAccounts Accounts { get; } = new();
    public Ssh.Transport.TransportSettings Settings { get; } = new();
    public string LogLevel { get; private set; } = "info";

    /// <summary>Subsystems added or replaced with --subsystem NAME=COMMAND.</summary>
    public Dictionary<string, string> Subsystems { get; } = new(StringComparer.Ordinal);
    /// <summary>--sftp-root DIR: the directory our SFTP server serves as "/"; null serves the file system from HOME.</summary>
    public string? SftpRoot { get; private set; }
    /// <summary>Connections still authenticating at once (OpenSSH's MaxStartups); null keeps the server's default.</summary>
    public int? MaxStartups { get; private set; }
    /// <summary>Hidden, for benchmarks: where SIGUSR1 writes the connection count and managed heap size.</summary>
    public string? StatsFile { get; private set; }

    public static ServerOptions Parse(string[] args)
    {
        var o = new ServerOptions();
        bool usersGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
            switch (args[i])
            {
                case "--listen":
                    o.Endpoint = IPEndPoint.TryParse(Next(), out IPEndPoint? ep) ? ep : throw new ArgumentException("--listen takes ADDRESS:PORT, e.g. 127.0.0.1:2222 or [::1]:0.");
                    break;
                case "--host-key":
                    o.HostKeys.Add(SshPrivateKey.FromFile(Next()));
                    break;
                case "--user":
                    string spec = Next();
                    int colon = spec.IndexOf(':');
                    if (colon <= 0) throw new ArgumentException("--user takes NAME:PASSWORD.");
                    o.Accounts.AddUser(spec[..colon], spec[(colon + 1)..]);
                    usersGiven = true;
                    break;
                case "--authorized-keys":
                    o.Accounts.AddAuthorizedKeys(Next());
                    break;
                case "-o":
                    o.Settings.ApplyOption(Next());
                    break;
                case "--max-startups":
                    o.MaxStartups = int.TryParse(Next(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int max) && max > 0
                        ? max : throw new ArgumentException("--max-startups takes a positive number of connections.");
                    break;
                case "--stats-file":
                    o.StatsFile = Path.GetFullPath(Next());
                    break;
                case "--subsystem":
                    string sub = Next();
                    int eq = sub.IndexOf('=');
                    if (eq <= 0) throw new ArgumentException("--subsystem takes NAME=COMMAND, e.g. sftp=/usr/lib/openssh/sftp-server.");
                    o.Subsystems[sub[..eq]] = sub[(eq + 1)..];
                    break;
                case "--sftp-root":
                    o.SftpRoot = Path.GetFullPath(Next());
                    if (!Directory.Exists(o.SftpRoot)) throw new ArgumentException($"--sftp-root {o.SftpRoot}: no such directory.");
                    break;
                case "--log-level":
                    o.LogLevel = Next().ToLowerInvariant();
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        if (!usersGiven)
        {
            // The built-in credentials are public knowledge: never offer them beyond this machine.
            if (!IPAddress.IsLoopback(o.Endpoint.Address))
                throw new ArgumentException($"Refusing the default user {DefaultUser}:{DefaultPassword} on the non-loopback address {o.Endpoint.Address}; give --user NAME:PASSWORD.");
            o.Accounts.AddUser(DefaultUser, DefaultPassword);
        }
        if (o.HostKeys.Count == 0) o.HostKeys.Add(LoadOrCreateDefaultHostKey());
        return o;
    }

    /// <summary>A host key kept under the user's state directory, so restarts keep the same fingerprint.</summary>
    private static SshPrivateKey LoadOrCreateDefaultHostKey()
    {
        string stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        string dir = Path.Combine(stateHome, "sshcs");
        string path = Path.Combine(dir, "ssh_host_ed25519_key");
        if (File.Exists(path)) return SshPrivateKey.FromFile(path);
        Directory.CreateDirectory(dir);
        var key = Ed25519PrivateKey.Generate();
        key.Comment = "sshcs server host key";
        string temp = path + ".tmp";
        File.WriteAllText(temp, "");
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(temp, OpenSshPrivateKeyFile.Format(key));
        File.Move(temp, path, overwrite: true);
        File.WriteAllText(path + ".pub", key.PublicKey.ToOpenSshString(key.Comment) + "\n");
        return key;
    }
}
