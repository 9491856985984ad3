using System.Net;
using System.Runtime.InteropServices;
using Ssh.Server;
using Ssh.Server.Sessions;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs server</c>: a throw-away SSH server for tests and CI.</summary>
internal static class ServerCommand
{
    public const string Help =
        """
        usage: sshcs server [options]

        A throw-away SSH server for tests and CI: it runs commands, shells (with a real pty), scp and SFTP as the OS
        user it runs as. Without options it listens on 127.0.0.1:2222, accepts user "test" with password "test" and
        keeps its ed25519 host key under ~/.local/state/sshcs (restarts keep the fingerprint). It prints
        "Listening on ADDRESS:PORT" and "Host key: TYPE SHA256:..." when ready; Ctrl-C or SIGTERM stops it.

        options:
          --listen ADDR:PORT          where to listen (127.0.0.1:0 picks a free port)
          --host-key FILE             a private host key (repeatable); one readable by others is refused
          --host-certificate FILE     a certificate of one of the host keys (ssh-keygen -s CA -h), served beside
                                      it, as sshd's HostCertificate (repeatable)
          --user NAME                 a user; its password from the --password-env / --password-file after it,
                                      or key-only with --authorized-keys (repeatable)
          --password-env VAR          the password of the --user before it, from the environment
          --password-file FILE        the password of the --user before it, from a file
          --user NAME:PASSWORD        a user and password in one (for tests: every local user can read it)
          --permit-empty-passwords    allow an empty password (refused otherwise)
          --authorized-keys FILE      keys that may log in as any user (OpenSSH's format); their options are
                                      enforced: command=, from=, no-pty, no-port-forwarding, permitopen=,
                                      permitlisten=, restrict, expiry-time=, cert-authority, principals=, ...
          --trusted-user-ca-keys FILE CAs whose user certificates log in as the users they name as principals,
                                      with their force-command and source-address (sshd's TrustedUserCAKeys)
          --revoked-keys FILE         public keys (user keys or CAs) that never log in (sshd's RevokedKeys)
          --permit-user-environment   apply authorized_keys environment= options (off, as in sshd)
          --accept-env PATTERN        env names a client may set, beyond LANG and LC_* (repeatable)
          -o Name=value               KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs (a list, or +list, -list,
                                      ^list as sshd_config), Compression=yes|no (offered by default, as sshd),
                                      Profile=Modern|Compatible|Legacy
          --max-startups N            connections still authenticating at once (1000); when full, the oldest of
                                      them makes room for the newcomer
          --subsystem NAME=COMMAND    run COMMAND for a subsystem (repeatable); sftp is served by our own server
          --sftp-root DIR             serve DIR as "/" over SFTP, with no way out of it
          --log-level LEVEL           what to log on stderr: error, info (connections, logins, refusals, commands;
                                      the default), debug (also what sshd -d shows: versions, key exchange,
                                      authentication, channels, as debug1: lines) or trace (also the KEXINIT
                                      proposals and channel requests, as debug2: lines)
        """;

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
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

        foreach (string warning in options.Warnings) Console.Error.WriteLine($"sshcs server: {warning}");
        var serverOptions = new SshServerOptions { Endpoint = options.Endpoint, Settings = options.Settings };
        if (options.MaxStartups is { } maxStartups) serverOptions.MaxUnauthenticatedConnections = maxStartups;
        serverOptions.HostKeys.AddRange(options.HostKeys);
        serverOptions.HostKeys.AddRange(options.HostCertificates);
        var logger = new Logger(options.LogLevel);
        // debug and trace: the library's events through its ILogger, the server's own lines among them.
        StderrLogger? diagnostics = options.LogLevel switch
        {
            "debug" => new StderrLogger(Microsoft.Extensions.Logging.LogLevel.Debug, timestamps: true, plainCategory: "Ssh.Server"),
            "trace" => new StderrLogger(Microsoft.Extensions.Logging.LogLevel.Trace, timestamps: true, plainCategory: "Ssh.Server"),
            _ => null,
        };
        if (diagnostics is not null) serverOptions.Settings.LoggerFactory = diagnostics;
        await using var server = new SshServer(serverOptions, () =>
        {
            var handler = new CommandServerInterface(options.Accounts) { Log = logger.Info, SftpRoot = options.SftpRoot };
            foreach (var (name, command) in options.Subsystems) handler.Subsystems[name] = command;
            foreach (string pattern in options.AcceptEnv) handler.AcceptEnv.Add(pattern);
            return handler;
        });
        if (diagnostics is null) server.Log += logger.Info;
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
        foreach (SshPrivateKey key in options.HostCertificates)
        {
            var certificate = (SshCertificate)key.PublicKey;
            Console.Out.WriteLine($"Host certificate: {certificate.KeyType} {certificate.GetFingerprint()} ID \"{certificate.KeyId}\" " +
                $"signed by {certificate.SignatureKey.KeyType} {certificate.SignatureKey.GetFingerprint()}");
        }
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

    /// <summary>Host keys presented with their certificates (--host-certificate, sshd's HostCertificate).</summary>
    public List<SshPrivateKey> HostCertificates { get; } = [];
    public ServerAccounts Accounts { get; } = new();
    /// <summary>As sshd: compression offered (the client decides), changed with -o Compression=no.</summary>
    public Ssh.Transport.TransportSettings Settings { get; } = CompressionOffered();

    private static Ssh.Transport.TransportSettings CompressionOffered()
    {
        var settings = new Ssh.Transport.TransportSettings();
        settings.UseCompression(asServer: true);
        return settings;
    }
    public string LogLevel { get; private set; } = "info";

    /// <summary>Subsystems added or replaced with --subsystem NAME=COMMAND.</summary>
    public Dictionary<string, string> Subsystems { get; } = new(StringComparer.Ordinal);
    /// <summary>--sftp-root DIR: the directory our SFTP server serves as "/"; null serves the file system from HOME.</summary>
    public string? SftpRoot { get; private set; }
    /// <summary>Connections still authenticating at once (OpenSSH's MaxStartups); null keeps the server's default.</summary>
    public int? MaxStartups { get; private set; }
    /// <summary>Hidden, for benchmarks: where SIGUSR1 writes the connection count and managed heap size.</summary>
    public string? StatsFile { get; private set; }

    /// <summary>"env" names accepted besides LANG and LC_* (--accept-env).</summary>
    public List<string> AcceptEnv { get; } = [];

    /// <summary>Warnings to print before starting (a password on the command line of a public server).</summary>
    public List<string> Warnings { get; } = [];

    public static ServerOptions Parse(string[] args)
    {
        var o = new ServerOptions();
        bool usersGiven = false;
        bool permitEmpty = false;
        bool passwordOnCommandLine = false;
        string? waitingForPassword = null; // a --user NAME whose password comes from --password-env/--password-file
        var keyOnly = new List<string>();
        var hostCertificateFiles = new List<string>();
        void SetPassword(string option, string password)
        {
            if (waitingForPassword is null) throw new ArgumentException($"{option} gives the password of the --user NAME before it; put it after one.");
            o.Accounts.AddUser(waitingForPassword, password.TrimEnd('\r', '\n'));
            keyOnly.Remove(waitingForPassword);
            waitingForPassword = null;
        }
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
            switch (args[i])
            {
                case "--password-env":
                    {
                        string name = Next();
                        SetPassword("--password-env", Environment.GetEnvironmentVariable(name)
                            ?? throw new ArgumentException($"--password-env {name}: the environment variable {name} is not set."));
                        break;
                    }
                case "--password-file":
                    {
                        string file = Next();
                        SetPassword("--password-file", File.ReadAllText(file));
                        break;
                    }
                case "--permit-empty-passwords":
                    permitEmpty = true;
                    break;
                case "--accept-env":
                    o.AcceptEnv.Add(Next());
                    break;
                case "--listen":
                    o.Endpoint = IPEndPoint.TryParse(Next(), out IPEndPoint? ep) ? ep : throw new ArgumentException("--listen takes ADDRESS:PORT, e.g. 127.0.0.1:2222 or [::1]:0.");
                    break;
                case "--host-key":
                    o.HostKeys.Add(LoadHostKey(Next()));
                    break;
                case "--user":
                    {
                        string spec = Next();
                        int colon = spec.IndexOf(':');
                        usersGiven = true;
                        if (colon < 0)
                        {
                            if (spec.Length == 0) throw new ArgumentException("--user takes NAME, or NAME:PASSWORD.");
                            o.Accounts.AddUser(spec);
                            keyOnly.Add(spec);
                            waitingForPassword = spec;
                            break;
                        }
                        if (colon == 0) throw new ArgumentException("--user takes NAME, or NAME:PASSWORD: the name is empty.");
                        string password = spec[(colon + 1)..];
                        if (password.Length == 0 && !args.Contains("--permit-empty-passwords"))
                            throw new ArgumentException($"--user {spec[..colon]}: has an empty password; anyone could log in. Give a password, or --permit-empty-passwords if that is really meant.");
                        o.Accounts.AddUser(spec[..colon], password);
                        passwordOnCommandLine = true;
                        break;
                    }
                case "--authorized-keys":
                    o.Warnings.AddRange(o.Accounts.AddAuthorizedKeysFile(Next()).Select(w => "skipped " + w));
                    break;
                case "--trusted-user-ca-keys":
                    o.Warnings.AddRange(o.Accounts.AddTrustedUserCaKeys(Next()).Select(w => "skipped " + w));
                    break;
                case "--revoked-keys":
                    o.Warnings.AddRange(o.Accounts.AddRevokedKeys(Next()).Select(w => "skipped " + w));
                    break;
                case "--permit-user-environment":
                    o.Accounts.PermitUserEnvironment = true;
                    break;
                case "--host-certificate":
                    hostCertificateFiles.Add(Next());
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
                    o.LogLevel = Next().ToLowerInvariant() switch
                    {
                        "error" or "quiet" => "error",
                        "info" or "verbose" => "info",
                        "debug" or "debug1" => "debug",
                        "trace" or "debug2" or "debug3" => "trace",
                        string level => throw new ArgumentException($"--log-level {level}: use error, info, debug or trace."),
                    };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        o.Accounts.PermitEmptyPasswords = permitEmpty;
        if (keyOnly.Count > 0 && !o.Accounts.HasKeys)
            throw new ArgumentException($"--user {keyOnly[0]} has no password and no --authorized-keys or --trusted-user-ca-keys: nobody could log in as {keyOnly[0]}. Add --password-env VAR, --password-file FILE, --authorized-keys FILE or --trusted-user-ca-keys FILE.");
        if (passwordOnCommandLine && !IPAddress.IsLoopback(o.Endpoint.Address))
            o.Warnings.Add("warning: --user NAME:PASSWORD shows the password to every local user (ps); on a non-loopback address prefer --user NAME --password-env VAR or --password-file FILE.");
        if (!usersGiven)
        {
            // The built-in credentials are public knowledge: never offer them beyond this machine.
            if (!IPAddress.IsLoopback(o.Endpoint.Address))
                throw new ArgumentException($"Refusing the default user {DefaultUser}:{DefaultPassword} on the non-loopback address {o.Endpoint.Address}; give --user NAME:PASSWORD.");
            o.Accounts.AddUser(DefaultUser, DefaultPassword);
        }
        if (o.HostKeys.Count == 0) o.HostKeys.Add(LoadOrCreateDefaultHostKey());
        foreach (string file in hostCertificateFiles) o.HostCertificates.Add(CertifyHostKey(o.HostKeys, file));
        return o;
    }

    /// <summary>sshd's HostCertificate: the host key the certificate certifies, presented with it.</summary>
    private static SshPrivateKey CertifyHostKey(List<SshPrivateKey> hostKeys, string path)
    {
        if (PublicKeyFile.Load(path).Key is not SshCertificate certificate)
            throw new FormatException($"--host-certificate {path}: the file holds a plain key, not a certificate.");
        if (certificate.CertificateType != SshCertificateType.Host)
            throw new FormatException($"--host-certificate {path}: a user certificate; sign the host key with ssh-keygen -s CA -h.");
        SshPrivateKey key = hostKeys.FirstOrDefault(k => k.PublicKey.Equals(certificate.Key))
            ?? throw new ArgumentException($"--host-certificate {path}: certifies {certificate.Key.KeyType} {certificate.Key.GetFingerprint()}, which is not one of the host keys.");
        return key.WithCertificate(certificate);
    }

    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>A private host key, refused (as sshd's StrictModes does) when group or others may read it.</summary>
    private static SshPrivateKey LoadHostKey(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The host key {path} does not exist.", path);
        UnixFileMode mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
            throw new UnauthorizedAccessException(
                $"The host key {path} may be read by others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); a private key must be 0600: run chmod 600 {path}.");
        return SshPrivateKey.FromFile(path);
    }

    /// <summary>A host key kept under the user's state directory (created 0700), so restarts keep the same fingerprint.</summary>
    private static SshPrivateKey LoadOrCreateDefaultHostKey()
    {
        string stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        string dir = Path.Combine(stateHome, "sshcs");
        string path = Path.Combine(dir, "ssh_host_ed25519_key");
        if (File.Exists(path)) return LoadHostKey(path);
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
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
