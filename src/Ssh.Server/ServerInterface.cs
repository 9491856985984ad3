using System.Net;
using Ssh.Channels;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport;

namespace Ssh.Server;

/// <summary>
/// paramiko's <c>ServerInterface</c>: the server application's decisions, as virtual methods that deny by default.
/// Override what you allow. Each decision that may need I/O has an async twin whose default calls the sync one;
/// the server calls the async one.
/// </summary>
public class ServerInterface
{
    // ---- Authentication (RFC 4252, RFC 4256) ----

    /// <summary>The methods to offer <paramref name="username"/>, e.g. "password,publickey" (paramiko's
    /// get_allowed_auths). Default: "password".</summary>
    public virtual string GetAllowedAuths(string username) => "password";

    public virtual AuthenticationResult CheckAuthNone(string username) => AuthenticationResult.Failed;

    public virtual AuthenticationResult CheckAuthPassword(string username, string password) => AuthenticationResult.Failed;

    /// <summary>Whether <paramref name="key"/> may log in as <paramref name="username"/>. Called for the client's
    /// query and again after the signature has been verified, so the answer must not depend on the phase.</summary>
    public virtual AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => AuthenticationResult.Failed;

    /// <summary>Starts keyboard-interactive: a query to ask, or null to refuse.</summary>
    public virtual InteractiveQuery? CheckAuthInteractive(string username, string submethods) => null;

    /// <summary>Takes keyboard-interactive answers: a result, or another query.</summary>
    public virtual (AuthenticationResult Result, InteractiveQuery? Next) CheckAuthInteractiveResponse(string username, IReadOnlyList<string> responses) =>
        (AuthenticationResult.Failed, null);

    public virtual ValueTask<AuthenticationResult> CheckAuthNoneAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthNone(username));

    public virtual ValueTask<AuthenticationResult> CheckAuthPasswordAsync(string username, string password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthPassword(username, password));

    public virtual ValueTask<AuthenticationResult> CheckAuthPublicKeyAsync(string username, SshPublicKey key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthPublicKey(username, key));

    public virtual ValueTask<InteractiveQuery?> CheckAuthInteractiveAsync(string username, string submethods, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthInteractive(username, submethods));

    public virtual ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckAuthInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthInteractiveResponse(username, responses));

    /// <summary>Text shown to the user before authentication (RFC 4252 §5.4), or null.</summary>
    public virtual string? GetBanner() => null;

    /// <summary>Called once a user has authenticated (for logging and per-user setup).</summary>
    public virtual void OnAuthenticated(string username, string method) { }

    // ---- Channels (RFC 4254) ----

    /// <summary>Whether a channel of <paramref name="kind"/> may be opened (paramiko's check_channel_request):
    /// null to accept, or the failure reason. Default: refuse everything.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    public virtual bool CheckChannelExecRequest(Channel channel, string command) => false;

    public virtual bool CheckChannelShellRequest(Channel channel) => false;

    public virtual bool CheckChannelPtyRequest(Channel channel, string term, int width, int height, int widthPixels, int heightPixels,
        ReadOnlyMemory<byte> modes) => false;

    public virtual bool CheckChannelSubsystemRequest(Channel channel, string name) => false;

    public virtual bool CheckChannelEnvRequest(Channel channel, string name, string value) => false;

    public virtual bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) => false;

    /// <summary>A signal for the process behind <paramref name="channel"/> (RFC 4254 §6.9).</summary>
    public virtual bool CheckChannelSignalRequest(Channel channel, string signalName) => false;

    public virtual ValueTask<bool> CheckChannelExecRequestAsync(Channel channel, string command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelExecRequest(channel, command));

    public virtual ValueTask<bool> CheckChannelShellRequestAsync(Channel channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelShellRequest(channel));

    public virtual ValueTask<bool> CheckChannelSubsystemRequestAsync(Channel channel, string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelSubsystemRequest(channel, name));

    /// <summary>A direct-tcpip channel (RFC 4254 §7.2): null to accept, or the failure reason.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelDirectTcpipRequest(uint channelId, DnsEndPoint origin, DnsEndPoint destination) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    public virtual ValueTask<ChannelOpenFailureReason?> CheckChannelDirectTcpipRequestAsync(uint channelId, DnsEndPoint origin,
        DnsEndPoint destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelDirectTcpipRequest(channelId, origin, destination));

    /// <summary>A direct-streamlocal@openssh.com channel to the Unix socket <paramref name="socketPath"/> (OpenSSH
    /// PROTOCOL §2.4): null to accept, or the failure reason.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelDirectStreamLocalRequest(uint channelId, string socketPath) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    public virtual ValueTask<ChannelOpenFailureReason?> CheckChannelDirectStreamLocalRequestAsync(uint channelId, string socketPath,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelDirectStreamLocalRequest(channelId, socketPath));

    /// <summary>Called once an accepted channel is confirmed to the client (its <see cref="Channel.RemoteId"/> is the
    /// <c>channelId</c> the checks saw). Return true when this interface serves the channel itself (a forwarded
    /// connection, say); false hands it to <see cref="SshTransport.AcceptAsync"/>.</summary>
    public virtual bool OnChannelOpened(Channel channel) => false;

    /// <summary>The transport this interface serves, set when the server side starts: what an interface uses to open
    /// channels to the client (forwarded-tcpip). One interface per connection when this is used.</summary>
    public SshTransport? Transport { get; internal set; }

    // ---- Global requests (RFC 4254 §4, §7.1) ----

    /// <summary>A remote forward ("tcpip-forward"): the port bound (the requested one, or the one chosen when
    /// 0 was asked), or null to refuse.</summary>
    public virtual int? CheckPortForwardRequest(string address, int port) => null;

    public virtual void CancelPortForwardRequest(string address, int port) { }

    /// <summary>A remote Unix socket forward ("streamlocal-forward@openssh.com", PROTOCOL §2.4): true when the
    /// server now listens on <paramref name="socketPath"/>.</summary>
    public virtual bool CheckStreamLocalForwardRequest(string socketPath) => false;

    public virtual void CancelStreamLocalForwardRequest(string socketPath) { }

    /// <summary>Any other global request: the reply data, or null to refuse.</summary>
    public virtual byte[]? CheckGlobalRequest(string kind, ReadOnlyMemory<byte> data) => null;

    /// <summary>Called after the reply to an accepted channel request (exec, shell, subsystem, ...) has been sent:
    /// the place to start producing output, which must not overtake the reply.</summary>
    public virtual void OnChannelRequestAccepted(Channel channel, string requestType) { }

    /// <summary>Called after the reply to a global request has been sent (a forward's listener may begin serving).</summary>
    public virtual void OnGlobalRequestAnswered(string kind) { }
}
