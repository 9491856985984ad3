using System.Globalization;
using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Cli;

/// <summary>The command line of <c>sshcs exec</c> (and <c>sshcs sftp</c>), parsed like ssh's: the options that are
/// ssh_config keywords (-p, -C, -A, -J, -o Name=value, --connect-timeout) go in front of the configuration file
/// (-F, or ~/.ssh/config and /etc/ssh/ssh_config), where they win, and the library applies the result.</summary>
internal sealed class ExecOptions
{
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    private readonly List<string> _overrides = [];
    private IMissingHostKeyPolicy? _policy;
    private string? _knownHostsFile;
    private string? _knownHostsUsed;

    /// <summary>The host as given: a name, an address or a configuration alias.</summary>
    public string Alias { get; private set; } = "";

    /// <summary>Where the configuration sends the connection (for messages): its HostName and Port.</summary>
    public string Host { get; private set; } = "";
    public int Port { get; private set; } = 22;
    public string? User { get; private set; }
    public string? Password { get; private set; }
    public List<string> KeyFiles { get; } = [];
    public TransportSettings Settings { get; } = new();
    public string Command { get; private set; } = "";

    /// <summary>How many <c>-v</c> were given: 1 prints the library's Debug events as ssh's <c>debug1:</c> lines, 2 or
    /// more adds the Trace ones (the KEXINIT proposals, channel and global requests) as <c>debug2:</c>.</summary>
    public int Verbosity { get; private set; }

    /// <summary>The ssh_config file (-F); ~/.ssh/config then /etc/ssh/ssh_config when not given.</summary>
    public string? ConfigFile { get; private set; }

    /// <summary>The configuration with the command line's options in front.</summary>
    public SshConfig Config { get; private set; } = null!;

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
                    string port = Next(a);
                    o.AddOverride("Port", int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                        ? port : throw new ArgumentException("-p needs a port number."), lastWins: true);
                    break;
                case "-F": o.ConfigFile = Next(a); break;
                case "-l": o.User = Next(a); break;
                case "-i": o.KeyFiles.Add(Next(a)); break;
                case "-A": o.AddOverride("ForwardAgent", "yes", lastWins: true); break;
                case "-a": o.AddOverride("ForwardAgent", "no", lastWins: true); break;
                case "-C": o.AddOverride("Compression", "yes", lastWins: true); break;
                case "-J": o.AddOverride("ProxyJump", Next(a), lastWins: true); break;
                case "--password-env":
                    string variable = Next(a);
                    o.Password = Environment.GetEnvironmentVariable(variable)
                        ?? throw new ArgumentException($"Environment variable {variable} is not set.");
                    break;
                case "--known-hosts": o._knownHostsFile = Next(a); break;
                case "--host-key-policy":
                    o._policy = Next(a) switch
                    {
                        "reject" => new CliRejectPolicy(),
                        "auto-add" => new AutoAddPolicy(),
                        "warn" => new WarningPolicy(),
                        string policy => throw new ArgumentException($"Unknown host key policy '{policy}': use reject, auto-add or warn."),
                    };
                    break;
                case "--connect-timeout": o.AddOverride("ConnectTimeout", Next(a), lastWins: true); break;
                case "-o":
                    string option = Next(a);
                    int eq = option.IndexOf('=');
                    int blank = option.IndexOfAny([' ', '\t']);
                    int split = eq > 0 && (blank < 0 || eq < blank) ? eq : blank;
                    if (split <= 0) throw new ArgumentException($"-o '{option}' is not Name=value.");
                    string name = option[..split].Trim();
                    string value = option[(split + 1)..].Trim();
                    // Profile is ours, not ssh_config's: it resets the algorithm lists the configuration then edits.
                    if (name.Equals("Profile", StringComparison.OrdinalIgnoreCase)) o.Settings.ApplyOption($"{name}={value}");
                    else o.AddOverride(name, value);
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
        o.Alias = target;
        rest = args[i..];
        o.LoadConfig();
        if (o.Verbosity > 0)
            o.Settings.LoggerFactory = new StderrLogger(o.Verbosity >= 2 ? Microsoft.Extensions.Logging.LogLevel.Trace : Microsoft.Extensions.Logging.LogLevel.Debug, timestamps: false);
        return o;
    }

    /// <summary>An option that is an ssh_config keyword: checked now, so a typo is a usage error before connecting.
    /// As in ssh, a flag (-p, -A, -C, -J) replaces what came before it, while of several -o the first wins.</summary>
    private void AddOverride(string name, string value, bool lastWins = false)
    {
        if (value.Length == 0) throw new ArgumentException($"{name} needs a value.");
        string line = $"{name} {value}";
        try
        {
            SshConfigEntry entry = SshConfig.Parse(line).Lookup("check");
            _ = (entry.Port, entry.ConnectTimeout, entry.ServerAliveInterval, entry.ServerAliveCountMax, entry.Compression,
                entry.StrictHostKeyChecking, entry.ProxyJump);
            entry.ApplyAlgorithms(Settings.Clone());
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message.Replace("ssh config: ", "", StringComparison.Ordinal), e);
        }
        if (lastWins) _overrides.RemoveAll(o => o.StartsWith(name + " ", StringComparison.OrdinalIgnoreCase));
        _overrides.Add(line);
    }

    private void LoadConfig()
    {
        SshConfig file;
        try
        {
            file = ConfigFile is not null ? SshConfig.FromFile(ConfigFile) : SshConfig.LoadDefault();
            Config = file.WithOverrides(_overrides, Alias);
            SshConfigEntry entry = Config.Lookup(Alias, User);
            Host = entry.HostName;
            Port = entry.Port ?? 22;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    /// <summary>What to print for an error of the connection: the library's message, with what to do said in this
    /// command's own flags.</summary>
    public string Describe(Exception e) => e switch
    {
        BadHostKeyException bad =>
            $"Host key for {bad.Host} has changed: expected {bad.ExpectedFingerprint}, received {bad.ReceivedFingerprint}. If the " +
            $"server was legitimately re-keyed, remove the old key with: ssh-keygen -R '{bad.Host}' -f {_knownHostsUsed ?? DefaultKnownHosts}; " +
            "otherwise someone may be intercepting the connection.",
        _ => e.Message,
    };

    /// <summary>Connects and authenticates as these options say: the configuration for the host, the known hosts
    /// (--known-hosts, else the configuration's UserKnownHostsFile, else ~/.ssh/known_hosts), the policy (--host-key-policy,
    /// else StrictHostKeyChecking, else reject), the keys and the password.</summary>
    public async Task<SshClient> ConnectAsync(CancellationToken cancellationToken)
    {
        SshConfigEntry entry = Config.Lookup(Alias, User);
        var client = new SshClient { Settings = Settings };
        try
        {
            client.LoadSystemHostKeys(null);
            string? knownHosts = _knownHostsFile ?? (entry.UserKnownHostsFiles.Count == 0 ? DefaultKnownHosts : null);
            if (knownHosts is not null) client.LoadHostKeys(knownHosts);
            // As the library would from StrictHostKeyChecking, but a refusal speaks of this command's flags.
            client.SetMissingHostKeyPolicy(_policy ?? (entry.StrictHostKeyChecking is "no" or "accept-new" ? new AutoAddPolicy() : new CliRejectPolicy()));
            await client.ConnectAsync(Alias, 22, User, Password, keyFilename: KeyFiles.Count > 0 ? KeyFiles : null,
                timeout: entry.ConnectTimeout ?? DefaultConnectTimeout, lookForKeys: KeyFiles.Count == 0, config: Config,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (TimeoutException e)
        {
            _knownHostsUsed = client.HostKeysFilename;
            await client.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"{e.Message} -o ConnectTimeout=SECONDS changes the limit.", e);
        }
        catch
        {
            // Where the host's keys were looked up (the configuration's UserKnownHostsFile is read while connecting).
            _knownHostsUsed = client.HostKeysFilename;
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string DefaultKnownHosts => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
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
