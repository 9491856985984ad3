using System.Net;
using Ssh.Channels;
using Ssh.Server.Forwarding;
using Ssh.Server.Processes;
using Ssh.Sftp.Server;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport;

// The command runner underneath (posix_spawn, ptys) is Linux's; the constructor refuses any other system, so the
// public API carries no platform annotation and a cross-platform consumer builds without CA1416 warnings.
#pragma warning disable CA1416

namespace Ssh.Server.Sessions;

/// <summary>
/// The built-in session handler (what <c>sshcs server</c> runs): password and key authentication against
/// <see cref="ServerAccounts"/>, and session channels that run commands and shells as OS processes of the server's
/// own user, with pseudo-terminals, environment, signals, exit status and exit signals.
/// </summary>
public class CommandServerInterface : ServerInterface
{
    private readonly ServerAccounts _accounts;
    private readonly object _lock = new();
    private readonly Dictionary<Channel, SessionChannel> _sessions = [];

    /// <summary>A handler for one connection.</summary>
    /// <param name="accounts">The users, passwords and authorized keys to accept.</param>
    /// <param name="peer">The client as <c>"address port"</c>, for the SSH_CLIENT variable; null leaves it unset.</param>
    /// <exception cref="PlatformNotSupportedException">Not on Linux: serve channels with your own
    /// <see cref="ServerInterface"/> there.</exception>
    public CommandServerInterface(ServerAccounts accounts, string? peer = null)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The built-in command runner needs Linux (posix_spawn and ptys); on other systems serve channels with your own ServerInterface.");
        _accounts = accounts;
        Peer = peer;
    }

    /// <summary>"address port" of the client, for SSH_CLIENT.</summary>
    public string? Peer { get; }

    /// <summary>Log lines (what ran, what failed).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Subsystems served by a command (sshd_config's <c>Subsystem</c>). Empty by default: "sftp" is our own
    /// SFTP server (see <see cref="SftpRoot"/>) unless a command is given for it here.</summary>
    public IDictionary<string, string> Subsystems { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The directory our SFTP server serves as "/", with no way out of it (<c>sshcs server --sftp-root</c>);
    /// null serves the whole file system from the user's home directory, as sshd does.</summary>
    public string? SftpRoot { get; init; }

    private ISftpFileSystem CreateSftpFileSystem() =>
        SftpRoot is null ? LocalFileSystem.ForCurrentUser() : LocalFileSystem.CreateJail(SftpRoot);

    /// <summary><c>publickey,password</c> when the accounts hold any key, else <c>password</c>.</summary>
    public override string GetAllowedAuths(string username) => _accounts.HasKeys ? "publickey,password" : "password";

    /// <summary>Checks against <see cref="ServerAccounts.CheckPassword"/>.</summary>
    public override AuthenticationResult CheckAuthPassword(string username, string password) => _accounts.CheckPassword(username, password);

    /// <summary>Checks against <see cref="ServerAccounts.AuthorizePublicKey"/> with the client's address, and keeps what
    /// the key may do for when it logs in; a refusal is logged with its reason.</summary>
    public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key)
    {
        SessionPermissions? permissions = _accounts.AuthorizePublicKey(username, key, Transport?.RemoteEndPoint?.Address, out string? refusal);
        if (permissions is null)
        {
            Log?.Invoke($"{Transport?.RemoteEndPointDescription}: {key.KeyType} {key.GetFingerprint()} refused for {PeerText.Sanitize(username)}: {refusal}");
            return AuthenticationResult.Failed;
        }
        lock (_lock) _keyPermissions[key] = permissions;
        return AuthenticationResult.Successful;
    }

    private readonly Dictionary<SshPublicKey, SessionPermissions> _keyPermissions = [];

    /// <summary>What the authenticated user may do: the permissions of the key that logged in (its authorized_keys
    /// options, its certificate), or <see cref="SessionPermissions.Unrestricted"/> for a password.</summary>
    public SessionPermissions Permissions { get; private set; } = SessionPermissions.Unrestricted;

    /// <summary>Takes the permissions of the key that logged in.</summary>
    public override void OnAuthenticated(string username, string method)
    {
        if (Transport?.AuthenticatedPublicKey is { } key)
        {
            lock (_lock) Permissions = _keyPermissions.TryGetValue(key, out SessionPermissions? p) ? p : SessionPermissions.Unrestricted;
            if (Permissions.Source.Length > 0)
                Log?.Invoke($"{Transport.RemoteEndPointDescription}: {PeerText.Sanitize(username)} logged in with {key.KeyType} {key.GetFingerprint()} ({Permissions.Source})");
        }
        lock (_lock) _keyPermissions.Clear();
    }

    /// <summary>Accepts <c>session</c> channels, up to <see cref="MaxSessions"/> open at once; any other type is an
    /// unknown channel type.</summary>
    public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId)
    {
        if (kind != "session") return ChannelOpenFailureReason.UnknownChannelType;
        if (Interlocked.Increment(ref _openSessions) <= MaxSessions) return null; // given back when the channel ends
        Interlocked.Decrement(ref _openSessions);
        Log?.Invoke($"{Transport?.RemoteEndPointDescription}: session refused, {MaxSessions} are open (MaxSessions)");
        return ChannelOpenFailureReason.ResourceShortage;
    }

    /// <summary>Records the pty for the command or shell to come; refused once one has started.</summary>
    public override bool CheckChannelPtyRequest(Channel channel, string term, int width, int height, int widthPixels, int heightPixels, ReadOnlyMemory<byte> modes)
    {
        SessionChannel session = For(channel);
        if (session.Started || !Permitted(Permissions.Pty, "pty")) return false;
        session.Pty = new PtyOptions(term, width, height, widthPixels, heightPixels, modes);
        return true;
    }

    /// <summary>Records the variable for the command or shell to come; refused once one has started, or for a
    /// name that is empty or holds '='.</summary>
    public override bool CheckChannelEnvRequest(Channel channel, string name, string value)
    {
        SessionChannel session = For(channel);
        if (session.Started || name.Length == 0 || name.Contains('=') || name.Contains('\0') || value.Contains('\0')) return false;
        if (!AcceptEnv.Any(pattern => SshPattern.Matches(pattern, name)))
        {
            Log?.Invoke($"{Transport?.RemoteEndPointDescription}: env {PeerText.Sanitize(name)} refused (not in AcceptEnv)");
            return false;
        }
        return session.SetEnvironment(name, value);
    }

    /// <summary>The "env" variable names a client may set, as OpenSSH's AcceptEnv patterns (<c>*</c> and <c>?</c>
    /// wildcards). By default <c>LANG</c> and <c>LC_*</c> only: <c>LD_PRELOAD</c>, <c>PATH</c> or <c>BASH_ENV</c>
    /// from a client would run its code in the command's process.</summary>
    public IList<string> AcceptEnv { get; } = ["LANG", "LC_*"];

    /// <summary>The most session channels one connection may have open at once (OpenSSH's MaxSessions, 10).</summary>
    public int MaxSessions { get; init; } = 10;

    private int _openSessions;

    /// <summary>Accepts the command once per channel; it starts when the reply has gone out. A forced command
    /// (<see cref="Permissions"/>) runs instead, with the asked one in <c>SSH_ORIGINAL_COMMAND</c>.</summary>
    public override bool CheckChannelExecRequest(Channel channel, string command) => For(channel).Prepare(command, Permissions.ForceCommand);

    /// <summary>Accepts a shell once per channel; it starts when the reply has gone out (or the forced command).</summary>
    public override bool CheckChannelShellRequest(Channel channel) => For(channel).Prepare(null, Permissions.ForceCommand);

    /// <summary>Accepts a subsystem listed in <see cref="Subsystems"/>, once per channel, and runs its command; "sftp",
    /// unless listed, is our own SFTP server (see <see cref="SftpRoot"/>). A forced command replaces either.</summary>
    public override bool CheckChannelSubsystemRequest(Channel channel, string name)
    {
        if (Subsystems.TryGetValue(name, out string? command)) return For(channel).Prepare(command, Permissions.ForceCommand);
        if (name != "sftp") return false;
        return Permissions.ForceCommand is { } forced ? For(channel).Prepare("internal-sftp", forced) : For(channel).PrepareSftp();
    }

    /// <summary>True when <paramref name="allowed"/>; otherwise logs that the key's permissions refuse
    /// <paramref name="what"/>.</summary>
    private bool Permitted(bool allowed, string what)
    {
        if (!allowed) Log?.Invoke($"{Transport?.RemoteEndPointDescription}: {what} refused by {Permissions.Source}");
        return allowed;
    }

    /// <summary>Resizes the channel's pty (and its process's terminal, once running); false when it has no pty.</summary>
    public override bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) =>
        For(channel).Resize(width, height, widthPixels, heightPixels);

    /// <summary>Whether clients may forward their agent (sshd's AllowAgentForwarding); true by default, and each key's
    /// permissions (<c>no-agent-forwarding</c>, a certificate without <c>permit-agent-forwarding</c>) still apply.</summary>
    public bool AllowAgentForwarding { get; init; } = true;

    /// <summary>Forwards the client's agent to the session, as sshd: a socket (0600, in a 0700 directory) whose path
    /// the command gets as <c>SSH_AUTH_SOCK</c>, removed when the session ends. Refused once the command started, when
    /// <see cref="AllowAgentForwarding"/> is off or the key's permissions deny it.</summary>
    public override bool CheckChannelForwardAgentRequest(Channel channel)
    {
        SessionChannel session = For(channel);
        if (session.Started || !Permitted(AllowAgentForwarding && Permissions.AgentForwarding, "agent forwarding")) return false;
        if (session.AgentSocket is not null) return true;
        AgentListener? listener = AgentListener.Start(Transport ?? throw new InvalidOperationException("The server has not started."),
            message => Log?.Invoke($"{Transport?.RemoteEndPointDescription}: {message}"));
        if (listener is null) return false;
        session.AgentSocket = listener.SocketPath;
        _ = channel.Completion.ContinueWith(_ => listener.DisposeAsync().AsTask(), TaskScheduler.Default);
        return true;
    }

    /// <summary>Sends the signal to the channel's process; false when there is none or the name is unknown.</summary>
    public override bool CheckChannelSignalRequest(Channel channel, string signalName) => For(channel).Signal(signalName);

    /// <summary>Starts the accepted exec, shell or subsystem process, after its reply.</summary>
    public override void OnChannelRequestAccepted(Channel channel, string requestType)
    {
        if (requestType is not ("exec" or "shell" or "subsystem")) return;
        SessionChannel session = For(channel);
        string who = $"{Transport?.RemoteEndPointDescription}: {Transport?.Username}";
        Log?.Invoke(session.Command is null ? $"{who}: shell started" : $"{who}: {requestType}: {PeerText.Sanitize(session.Command)}");
        _ = session.IsSftp ? session.RunSftpAsync(CreateSftpFileSystem()) : session.RunAsync();
    }

    // ---- Port forwarding (RFC 4254 §7, OpenSSH PROTOCOL §2.4): ssh -L, -R, -W ----

    /// <summary>What this handler allows of port forwarding; by default TCP and Unix socket forwarding, remote forwards
    /// on loopback only.</summary>
    public ForwardingOptions ForwardingOptions { get; init; } = new();

    private ServerForwarding? _forwarding;

    private ServerForwarding Forwarding
    {
        get
        {
            lock (_lock)
                return _forwarding ??= new ServerForwarding(Transport ?? throw new InvalidOperationException("The server has not started."),
                    ForwardingOptions, message => Log?.Invoke(message));
        }
    }

    /// <summary>Connects to the destination, as <see cref="ForwardingOptions"/> allow, before accepting the channel.</summary>
    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectTcpipRequestAsync(uint channelId, DnsEndPoint origin,
        DnsEndPoint destination, CancellationToken cancellationToken) =>
        Permitted(Permissions.AllowsOpen(destination.Host, destination.Port), $"direct-tcpip to {PeerText.Sanitize(destination.Host)}:{destination.Port}")
            ? Forwarding.ConnectAsync(channelId, destination, cancellationToken)
            : ValueTask.FromResult<ChannelOpenFailureReason?>(ChannelOpenFailureReason.AdministrativelyProhibited);

    /// <summary>Connects to the Unix socket, as <see cref="ForwardingOptions"/> allow, before accepting the channel.</summary>
    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectStreamLocalRequestAsync(uint channelId, string socketPath,
        CancellationToken cancellationToken) =>
        Permitted(Permissions.PortForwarding, "direct-streamlocal")
            ? Forwarding.ConnectUnixAsync(channelId, socketPath, cancellationToken)
            : ValueTask.FromResult<ChannelOpenFailureReason?>(ChannelOpenFailureReason.AdministrativelyProhibited);

    /// <summary>Counts an open session until it ends; pumps a forwarded channel to the connection made for it.</summary>
    public override bool OnChannelOpened(Channel channel)
    {
        if (channel.ChannelType == "session")
        {
            _ = channel.Completion.ContinueWith(_ => Interlocked.Decrement(ref _openSessions), TaskScheduler.Default);
            return false;
        }
        return Forwarding.TryStart(channel);
    }

    /// <summary>Listens for the remote forward, as <see cref="ForwardingOptions"/> allow.</summary>
    public override int? CheckPortForwardRequest(string address, int port) =>
        Permitted(Permissions.AllowsListen(address, port), $"tcpip-forward on {PeerText.Sanitize(address)}:{port}") ? Forwarding.Listen(address, port) : null;

    /// <summary>Stops that remote forward's listener.</summary>
    public override void CancelPortForwardRequest(string address, int port) => Forwarding.Cancel(address, port);

    /// <summary>Lets a new forward's listener begin serving, now that its reply has gone out.</summary>
    public override void OnGlobalRequestAnswered(string kind) => Forwarding.OnRequestAnswered();

    /// <summary>Listens on the Unix socket, as <see cref="ForwardingOptions"/> allow.</summary>
    public override bool CheckStreamLocalForwardRequest(string socketPath) =>
        Permitted(Permissions.PortForwarding, "streamlocal-forward") && Forwarding.ListenUnix(socketPath);

    /// <summary>Stops that Unix socket forward's listener.</summary>
    public override void CancelStreamLocalForwardRequest(string socketPath) => Forwarding.CancelUnix(socketPath);

    private SessionChannel For(Channel channel)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(channel, out SessionChannel? session))
            {
                session = new SessionChannel(channel, Peer, message => Log?.Invoke(message));
                session.KeyEnvironment = Permissions.Environment;
                _sessions[channel] = session;
                _ = channel.Completion.ContinueWith(_ =>
                {
                    lock (_lock) _sessions.Remove(channel);
                }, TaskScheduler.Default);
            }
            return session;
        }
    }
}
