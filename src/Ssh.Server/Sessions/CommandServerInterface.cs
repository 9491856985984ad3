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

    /// <summary>Checks against <see cref="ServerAccounts.CheckPublicKey"/>.</summary>
    public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => _accounts.CheckPublicKey(username, key);

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
        if (session.Started) return false;
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

    /// <summary>Accepts the command once per channel; it starts when the reply has gone out.</summary>
    public override bool CheckChannelExecRequest(Channel channel, string command) => For(channel).Prepare(command);

    /// <summary>Accepts a shell once per channel; it starts when the reply has gone out.</summary>
    public override bool CheckChannelShellRequest(Channel channel) => For(channel).Prepare(null);

    /// <summary>Accepts a subsystem listed in <see cref="Subsystems"/>, once per channel, and runs its command; "sftp",
    /// unless listed, is our own SFTP server (see <see cref="SftpRoot"/>).</summary>
    public override bool CheckChannelSubsystemRequest(Channel channel, string name) =>
        Subsystems.TryGetValue(name, out string? command) ? For(channel).Prepare(command) : name == "sftp" && For(channel).PrepareSftp();

    /// <summary>Resizes the channel's pty (and its process's terminal, once running); false when it has no pty.</summary>
    public override bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) =>
        For(channel).Resize(width, height, widthPixels, heightPixels);

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
        Forwarding.ConnectAsync(channelId, destination, cancellationToken);

    /// <summary>Connects to the Unix socket, as <see cref="ForwardingOptions"/> allow, before accepting the channel.</summary>
    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectStreamLocalRequestAsync(uint channelId, string socketPath,
        CancellationToken cancellationToken) =>
        Forwarding.ConnectUnixAsync(channelId, socketPath, cancellationToken);

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
    public override int? CheckPortForwardRequest(string address, int port) => Forwarding.Listen(address, port);

    /// <summary>Stops that remote forward's listener.</summary>
    public override void CancelPortForwardRequest(string address, int port) => Forwarding.Cancel(address, port);

    /// <summary>Lets a new forward's listener begin serving, now that its reply has gone out.</summary>
    public override void OnGlobalRequestAnswered(string kind) => Forwarding.OnRequestAnswered();

    /// <summary>Listens on the Unix socket, as <see cref="ForwardingOptions"/> allow.</summary>
    public override bool CheckStreamLocalForwardRequest(string socketPath) => Forwarding.ListenUnix(socketPath);

    /// <summary>Stops that Unix socket forward's listener.</summary>
    public override void CancelStreamLocalForwardRequest(string socketPath) => Forwarding.CancelUnix(socketPath);

    private SessionChannel For(Channel channel)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(channel, out SessionChannel? session))
            {
                session = new SessionChannel(channel, Peer, message => Log?.Invoke(message));
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
