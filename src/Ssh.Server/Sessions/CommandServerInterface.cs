using System.Net;
using Ssh.Channels;
using Ssh.Server.Forwarding;
using Ssh.Server.Processes;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport;

namespace Ssh.Server.Sessions;

/// <summary>
/// The built-in session handler (what <c>sshcs server</c> runs): password and key authentication against
/// <see cref="ServerAccounts"/>, and session channels that run commands and shells as OS processes of the server's
/// own user, with pseudo-terminals, environment, signals, exit status and exit signals.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class CommandServerInterface : ServerInterface
{
    private readonly ServerAccounts _accounts;
    private readonly object _lock = new();
    private readonly Dictionary<Channel, SessionChannel> _sessions = [];

    public CommandServerInterface(ServerAccounts accounts, string? peer = null)
    {
        _accounts = accounts;
        Peer = peer;
    }

    /// <summary>"address port" of the client, for SSH_CLIENT.</summary>
    public string? Peer { get; }

    /// <summary>Log lines (what ran, what failed).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Subsystems and the command that serves each (sshd_config's <c>Subsystem</c>). By default "sftp" is
    /// Debian's OpenSSH sftp-server when it is installed, so <c>sftp</c> and SFTP-mode <c>scp</c> work against the
    /// test server.</summary>
    public IDictionary<string, string> Subsystems { get; } = DefaultSubsystems();

    private const string OpenSshSftpServer = "/usr/lib/openssh/sftp-server";

    private static Dictionary<string, string> DefaultSubsystems()
    {
        var subsystems = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(OpenSshSftpServer)) subsystems["sftp"] = OpenSshSftpServer;
        return subsystems;
    }

    public override string GetAllowedAuths(string username) => _accounts.HasKeys ? "publickey,password" : "password";

    public override AuthenticationResult CheckAuthPassword(string username, string password) => _accounts.CheckPassword(username, password);

    public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => _accounts.CheckPublicKey(username, key);

    public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId)
    {
        if (kind != "session") return ChannelOpenFailureReason.UnknownChannelType;
        if (Interlocked.Increment(ref _openSessions) <= MaxSessions) return null; // given back when the channel ends
        Interlocked.Decrement(ref _openSessions);
        Log?.Invoke($"{Transport?.RemoteEndPointDescription}: session refused, {MaxSessions} are open (MaxSessions)");
        return ChannelOpenFailureReason.ResourceShortage;
    }

    public override bool CheckChannelPtyRequest(Channel channel, string term, int width, int height, int widthPixels, int heightPixels, ReadOnlyMemory<byte> modes)
    {
        SessionChannel session = For(channel);
        if (session.Started) return false;
        session.Pty = new PtyOptions(term, width, height, widthPixels, heightPixels, modes);
        return true;
    }

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

    public override bool CheckChannelExecRequest(Channel channel, string command) => For(channel).Prepare(command);

    public override bool CheckChannelShellRequest(Channel channel) => For(channel).Prepare(null);

    public override bool CheckChannelSubsystemRequest(Channel channel, string name) =>
        Subsystems.TryGetValue(name, out string? command) && For(channel).Prepare(command);

    public override bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) =>
        For(channel).Resize(width, height, widthPixels, heightPixels);

    public override bool CheckChannelSignalRequest(Channel channel, string signalName) => For(channel).Signal(signalName);

    public override void OnChannelRequestAccepted(Channel channel, string requestType)
    {
        if (requestType is not ("exec" or "shell" or "subsystem")) return;
        SessionChannel session = For(channel);
        string who = $"{Transport?.RemoteEndPointDescription}: {Transport?.Username}";
        Log?.Invoke(session.Command is null ? $"{who}: shell started" : $"{who}: {requestType}: {PeerText.Sanitize(session.Command)}");
        _ = session.RunAsync();
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

    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectTcpipRequestAsync(uint channelId, DnsEndPoint origin,
        DnsEndPoint destination, CancellationToken cancellationToken) =>
        Forwarding.ConnectAsync(channelId, destination, cancellationToken);

    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectStreamLocalRequestAsync(uint channelId, string socketPath,
        CancellationToken cancellationToken) =>
        Forwarding.ConnectUnixAsync(channelId, socketPath, cancellationToken);

    public override bool OnChannelOpened(Channel channel)
    {
        if (channel.ChannelType == "session")
        {
            _ = channel.Completion.ContinueWith(_ => Interlocked.Decrement(ref _openSessions), TaskScheduler.Default);
            return false;
        }
        return Forwarding.TryStart(channel);
    }

    public override int? CheckPortForwardRequest(string address, int port) => Forwarding.Listen(address, port);

    public override void CancelPortForwardRequest(string address, int port) => Forwarding.Cancel(address, port);

    public override void OnGlobalRequestAnswered(string kind) => Forwarding.OnRequestAnswered();

    public override bool CheckStreamLocalForwardRequest(string socketPath) => Forwarding.ListenUnix(socketPath);

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
