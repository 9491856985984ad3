using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Cli;

/// <summary>The command line of <c>sshcs exec</c>, parsed like ssh's.</summary>
internal sealed class ExecOptions
{
    public string Host { get; private set; } = "";
    public int Port { get; private set; } = 22;
    public string? User { get; private set; }
    public string? Password { get; private set; }
    public List<string> KeyFiles { get; } = [];
    public string KnownHostsFile { get; private set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
    public IMissingHostKeyPolicy Policy { get; private set; } = new CliRejectPolicy();
    public TransportSettings Settings { get; } = new();
    public TimeSpan ConnectTimeout { get; private set; } = TimeSpan.FromSeconds(30);

    /// <summary>ssh's ServerAliveInterval (0: off) and ServerAliveCountMax: a peer that answers nothing for
    /// interval × count ends the command with status 255.</summary>
    public TimeSpan ServerAliveInterval { get; private set; }
    public int ServerAliveCountMax { get; private set; } = 3;
    private bool _connectTimeoutGiven;
    private bool _serverAliveIntervalGiven;
    private bool _serverAliveCountMaxGiven;
    public string Command { get; private set; } = "";

    /// <summary>How many <c>-v</c> were given: 1 prints the library's Debug events as ssh's <c>debug1:</c> lines, 2 or
    /// more adds the Trace ones (the KEXINIT proposals, channel and global requests) as <c>debug2:</c>.</summary>
    public int Verbosity { get; private set; }

    /// <summary>The ssh_config file (-F); ~/.ssh/config when not given.</summary>
    public string? ConfigFile { get; private set; }
    private bool _portGiven;
    private bool _knownHostsGiven;

    public static ExecOptions Parse(string[] args)
    {
        ExecOptions o = ParseConnection(args, remotePath: false, out string[] rest);
        if (rest.Length == 0) throw new ArgumentException("Missing command.");
        // ssh joins the remaining words with spaces and lets the remote shell parse them.
        o.Command = string.Join(' ', rest);
        return o;
    }

    /// <summary>For <c>sshcs sftp</c>: <c>[user@]host:PATH</c> (PATH may be empty: the home directory).</summary>
    public string RemotePath { get; private set; } = "";

    /// <summary>The connection options and <c>[user@]host</c> (with <c>:PATH</c> when <paramref name="remotePath"/>);
    /// <paramref name="rest"/> gets the words after it.</summary>
    public static ExecOptions ParseConnection(string[] args, bool remotePath, out string[] rest)
    {
        var o = new ExecOptions();
        int i = 0;
        string Next(string flag) => ++i < args.Length ? args[i] : throw new ArgumentException($"{flag} needs a value.");
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-') || a == "--") break;
            switch (a)
            {
                case "-p":
                    o.Port = int.TryParse(Next(a), out int port) && port is > 0 and < 65536 ? port : throw new ArgumentException("-p needs a port number.");
                    o._portGiven = true;
                    break;
                case "-F":
                    o.ConfigFile = Next(a);
                    break;
                case "-l":
                    o.User = Next(a);
                    break;
                case "-i":
                    o.KeyFiles.Add(Next(a));
                    break;
                case "--password-env":
                    string variable = Next(a);
                    o.Password = Environment.GetEnvironmentVariable(variable)
                        ?? throw new ArgumentException($"Environment variable {variable} is not set.");
                    break;
                case "--known-hosts":
                    o.KnownHostsFile = Next(a);
                    o._knownHostsGiven = true;
                    break;
                case "--host-key-policy":
                    o.Policy = Next(a) switch
                    {
                        "reject" => new CliRejectPolicy(),
                        "auto-add" => new AutoAddPolicy(),
                        "warn" => new WarningPolicy(),
                        string p => throw new ArgumentException($"Unknown host key policy '{p}': use reject, auto-add or warn."),
                    };
                    break;
                case "--connect-timeout":
                    o.SetConnectionOption("ConnectTimeout", Next(a));
                    break;
                case "-o":
                    string option = Next(a);
                    int eq = option.IndexOf('=');
                    if (eq <= 0 || !o.SetConnectionOption(option[..eq].Trim(), option[(eq + 1)..].Trim())) o.Settings.ApplyOption(option);
                    break;
                case "-C":
                    o.Settings.UseCompression();
                    break;
                case "-v" or "-vv" or "-vvv":
                    o.Verbosity += a.Length - 1;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{a}'.");
            }
        }
        if (i < args.Length && args[i] == "--") i++;
        if (i >= args.Length) throw new ArgumentException("Missing host.");
        string target = args[i++];
        int at = target.LastIndexOf('@');
        if (at >= 0)
        {
            o.User ??= target[..at];
            target = target[(at + 1)..];
        }
        if (remotePath)
        {
            int colon = target.IndexOf(':');
            if (colon < 0) throw new ArgumentException($"'{target}' is not [user@]host:PATH.");
            o.RemotePath = target[(colon + 1)..];
            target = target[..colon];
        }
        o.Host = target;
        rest = args[i..];
        o.ApplyConfig();
        if (o.Verbosity > 0)
            o.Settings.LoggerFactory = new StderrLogger(o.Verbosity >= 2 ? Microsoft.Extensions.Logging.LogLevel.Trace : Microsoft.Extensions.Logging.LogLevel.Debug, timestamps: false);
        return o;
    }

    /// <summary>The options about the connection's timing rather than its algorithms (ssh's ConnectTimeout,
    /// ServerAliveInterval, ServerAliveCountMax, in seconds); false for any other name.</summary>
    private bool SetConnectionOption(string name, string value)
    {
        switch (name.ToLowerInvariant())
        {
            case "connecttimeout":
                ConnectTimeout = TimeSpan.FromSeconds(Seconds(name, value, allowZero: false));
                _connectTimeoutGiven = true;
                return true;
            case "serveraliveinterval":
                ServerAliveInterval = TimeSpan.FromSeconds(Seconds(name, value, allowZero: true));
                _serverAliveIntervalGiven = true;
                return true;
            case "serveralivecountmax":
                ServerAliveCountMax = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count) && count > 0
                    ? count : throw new ArgumentException($"{name} takes a positive whole number, not '{value}'.");
                _serverAliveCountMaxGiven = true;
                return true;
            default:
                return false;
        }
    }

    private static double Seconds(string name, string value, bool allowZero) =>
        double.TryParse(value, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
        && (seconds > 0 || (allowZero && seconds == 0)) && seconds < int.MaxValue
            ? seconds
            : throw new ArgumentException($"{name} takes a number of seconds{(allowZero ? " (0 for off)" : "")}, not '{value}'.");

    /// <summary>Like ssh: values from ssh_config apply where the command line gave none.</summary>
    private void ApplyConfig()
    {
        SshConfig config = ConfigFile is not null ? SshConfig.FromFile(ConfigFile) : SshConfig.LoadUserConfig();
        SshConfigEntry entry = config.Lookup(Host);
        Host = entry.HostName;
        User ??= entry.User;
        if (!_portGiven && entry.Port is { } port) Port = port;
        if (KeyFiles.Count == 0) KeyFiles.AddRange(entry.IdentityFiles.Where(File.Exists));
        if (!_connectTimeoutGiven && entry["connecttimeout"] is { } timeout) SetConnectionOption("ConnectTimeout", timeout);
        if (!_serverAliveIntervalGiven && entry["serveraliveinterval"] is { } interval) SetConnectionOption("ServerAliveInterval", interval);
        if (!_serverAliveCountMaxGiven && entry["serveralivecountmax"] is { } countMax) SetConnectionOption("ServerAliveCountMax", countMax);
        if (!_knownHostsGiven && entry["userknownhostsfile"] is { } knownHosts && knownHosts != "/dev/null")
            KnownHostsFile = knownHosts.StartsWith("~/", StringComparison.Ordinal)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), knownHosts[2..])
                : knownHosts;
    }

    /// <summary>What to print for an error of the connection: the library's message, with what to do said in this
    /// command's own flags.</summary>
    public string Describe(Exception e) => e switch
    {
        BadHostKeyException bad =>
            $"Host key for {bad.Host} has changed: expected {bad.ExpectedFingerprint}, received {bad.ReceivedFingerprint}. If the " +
            $"server was legitimately re-keyed, remove the old key with: ssh-keygen -R '{bad.Host}' -f {KnownHostsFile}; " +
            "otherwise someone may be intercepting the connection.",
        _ => e.Message,
    };

    /// <summary>Connects and authenticates as these options say (host keys, policy, keys, password).</summary>
    public async Task<SshClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new SshClient { Settings = Settings, KeepaliveInterval = ServerAliveInterval, KeepaliveCountMax = ServerAliveCountMax };
        try
        {
            client.LoadSystemHostKeys(null);
            client.LoadHostKeys(KnownHostsFile);
            client.SetMissingHostKeyPolicy(Policy);
            await client.ConnectAsync(Host, Port, User, Password, keyFilename: KeyFiles, timeout: ConnectTimeout, lookForKeys: KeyFiles.Count == 0,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (TimeoutException e)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"{e.Message} -o ConnectTimeout=SECONDS changes the limit.", e);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary><c>--host-key-policy reject</c>: the library's <see cref="RejectPolicy"/>, with a message that speaks of
/// this tool's flags.</summary>
internal sealed class CliRejectPolicy : IMissingHostKeyPolicy
{
    public void MissingHostKey(SshClient client, string hostname, Ssh.Transport.Keys.SshPublicKey key) =>
        throw new SshException(
            $"Host {hostname} is not in {client.HostKeysFilename ?? "known_hosts"} (its {key.KeyType} key is {key.GetFingerprint()}). " +
            "Add it with ssh-keyscan, point --known-hosts at a file that has it, or connect once with --host-key-policy auto-add " +
            "to record the key if you trust this host.");
}
