using System.Net;
using Ssh.Channels;
using Ssh.Server.Forwarding;
using Ssh.Server.Processes;
using Ssh.Sftp.Server;
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

    /// <summary>Subsystems served by a command (sshd_config's <c>Subsystem</c>). Empty by default: "sftp" is our own
    /// SFTP server (see <see cref="SftpRoot"/>) unless a command is given for it here.</summary>
    public IDictionary<string, string> Subsystems { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The directory our SFTP server serves as "/", with no way out of it (<c>sshcs server --sftp-root</c>);
    /// null serves the whole file system from the user's home directory, as sshd does.</summary>
    public string? SftpRoot { get; init; }

    private ISftpFileSystem CreateSftpFileSystem() =>
        SftpRoot is null ? LocalFileSystem.ForCurrentUser() : LocalFileSystem.CreateJail(SftpRoot);

    public override string GetAllowedAuths(string username) => _accounts.HasKeys ? "publickey,password" : "password";

    public override AuthenticationResult CheckAuthPassword(string username, string password) => _accounts.CheckPassword(username, password);

    public override AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => _accounts.CheckPublicKey(username, key);

    public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) =>
        kind == "session" ? null : ChannelOpenFailureReason.UnknownChannelType;

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
        if (session.Started || name.Length == 0 || name.Contains('=')) return false;
        session.Environment[name] = value;
        return true;
    }

    public override bool CheckChannelExecRequest(Channel channel, string command) => For(channel).Prepare(command);

    public override bool CheckChannelShellRequest(Channel channel) => For(channel).Prepare(null);

    public override bool CheckChannelSubsystemRequest(Channel channel, string name) =>
        Subsystems.TryGetValue(name, out string? command) ? For(channel).Prepare(command) : name == "sftp" && For(channel).PrepareSftp();

    public override bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) =>
        For(channel).Resize(width, height, widthPixels, heightPixels);

    public override bool CheckChannelSignalRequest(Channel channel, string signalName) => For(channel).Signal(signalName);

    public override void OnChannelRequestAccepted(Channel channel, string requestType)
    {
        if (requestType is not ("exec" or "shell" or "subsystem")) return;
        SessionChannel session = For(channel);
        string who = $"{Transport?.RemoteEndPointDescription}: {Transport?.Username}";
        Log?.Invoke(session.Command is null ? $"{who}: shell started" : $"{who}: {requestType}: {session.Command}");
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

    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectTcpipRequestAsync(uint channelId, DnsEndPoint origin,
        DnsEndPoint destination, CancellationToken cancellationToken) =>
        Forwarding.ConnectAsync(channelId, destination, cancellationToken);

    public override ValueTask<ChannelOpenFailureReason?> CheckChannelDirectStreamLocalRequestAsync(uint channelId, string socketPath,
        CancellationToken cancellationToken) =>
        Forwarding.ConnectUnixAsync(channelId, socketPath, cancellationToken);

    public override bool OnChannelOpened(Channel channel) => Forwarding.TryStart(channel);

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
