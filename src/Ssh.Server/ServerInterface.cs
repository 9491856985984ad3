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

    /// <summary>The methods to offer <paramref name="username"/> as one comma-separated string, e.g.
    /// <c>"password,publickey"</c> (paramiko's get_allowed_auths). Default: <c>"password"</c>.</summary>
    public virtual string GetAllowedAuths(string username) => "password";

    /// <summary>Whether <paramref name="username"/> may log in with no credentials (the <c>none</c> method, RFC 4252
    /// §5.2; paramiko's check_auth_none). Default: Failed.</summary>
    public virtual AuthenticationResult CheckAuthNone(string username) => AuthenticationResult.Failed;

    /// <summary>Whether <paramref name="password"/> is right for <paramref name="username"/> (RFC 4252 §8; paramiko's
    /// check_auth_password). Default: Failed.</summary>
    public virtual AuthenticationResult CheckAuthPassword(string username, string password) => AuthenticationResult.Failed;

    /// <summary>Whether <paramref name="key"/> may log in as <paramref name="username"/>. Called for the client's
    /// query and again after the signature has been verified, so the answer must not depend on the phase.</summary>
    public virtual AuthenticationResult CheckAuthPublicKey(string username, SshPublicKey key) => AuthenticationResult.Failed;

    /// <summary>Starts keyboard-interactive (RFC 4256; paramiko's check_auth_interactive): a query to ask, or null to
    /// refuse. <paramref name="submethods"/> is the client's hint, often empty. Default: null.</summary>
    public virtual InteractiveQuery? CheckAuthInteractive(string username, string submethods) => null;

    /// <summary>Takes the answers to the last query, one per prompt (paramiko's check_auth_interactive_response): a
    /// result with a null <c>Next</c>, or another query to ask. Default: Failed.</summary>
    public virtual (AuthenticationResult Result, InteractiveQuery? Next) CheckAuthInteractiveResponse(string username, IReadOnlyList<string> responses) =>
        (AuthenticationResult.Failed, null);

    /// <summary>The async twin of <see cref="CheckAuthNone"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<AuthenticationResult> CheckAuthNoneAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthNone(username));

    /// <summary>The async twin of <see cref="CheckAuthPassword"/>, which the server calls; the default calls that.
    /// Override this one to check against something that does I/O.</summary>
    public virtual ValueTask<AuthenticationResult> CheckAuthPasswordAsync(string username, string password, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthPassword(username, password));

    /// <summary>The async twin of <see cref="CheckAuthPublicKey"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<AuthenticationResult> CheckAuthPublicKeyAsync(string username, SshPublicKey key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthPublicKey(username, key));

    /// <summary>The async twin of <see cref="CheckAuthInteractive"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<InteractiveQuery?> CheckAuthInteractiveAsync(string username, string submethods, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthInteractive(username, submethods));

    /// <summary>The async twin of <see cref="CheckAuthInteractiveResponse"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckAuthInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckAuthInteractiveResponse(username, responses));

    /// <summary>Text shown to the user before authentication (RFC 4252 §5.4), or null.</summary>
    public virtual string? GetBanner() => null;

    /// <summary>Called once a user has authenticated (for logging and per-user setup), before the client hears of it
    /// and before any channel request can arrive, so what it settles holds for every request; <paramref name="method"/>
    /// is the method that completed it, e.g. <c>publickey</c> (with <see cref="SshTransport.AuthenticatedPublicKey"/>
    /// set).</summary>
    public virtual void OnAuthenticated(string username, string method) { }

    // ---- Channels (RFC 4254) ----

    /// <summary>Whether a channel of <paramref name="kind"/> (e.g. <c>session</c>) may be opened (paramiko's
    /// check_channel_request): null to accept, or the failure reason. <paramref name="channelId"/> is the client's
    /// number for the channel. Not called for direct-tcpip and direct-streamlocal, which have their own checks.
    /// Default: refuse everything.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    /// <summary>Whether to run <paramref name="command"/> on <paramref name="channel"/> (an <c>exec</c> request, RFC
    /// 4254 §6.5). True accepts; start the command in <see cref="OnChannelRequestAccepted"/>. Default: false.</summary>
    public virtual bool CheckChannelExecRequest(Channel channel, string command) => false;

    /// <summary>Whether to start the user's shell on <paramref name="channel"/> (a <c>shell</c> request, RFC 4254 §6.5).
    /// Default: false.</summary>
    public virtual bool CheckChannelShellRequest(Channel channel) => false;

    /// <summary>Whether to give <paramref name="channel"/> a pseudo-terminal (a <c>pty-req</c>, RFC 4254 §6.2).</summary>
    /// <param name="channel">The session channel.</param>
    /// <param name="term">The TERM value, e.g. <c>xterm-256color</c>.</param>
    /// <param name="width">The width in characters.</param>
    /// <param name="height">The height in rows.</param>
    /// <param name="widthPixels">The width in pixels; 0 when unknown.</param>
    /// <param name="heightPixels">The height in pixels; 0 when unknown.</param>
    /// <param name="modes">The encoded terminal modes (RFC 4254 §8), as sent.</param>
    /// <returns>True to accept. Default: false.</returns>
    public virtual bool CheckChannelPtyRequest(Channel channel, string term, int width, int height, int widthPixels, int heightPixels,
        ReadOnlyMemory<byte> modes) => false;

    /// <summary>Whether to start subsystem <paramref name="name"/> (e.g. <c>sftp</c>) on <paramref name="channel"/>
    /// (RFC 4254 §6.5). Default: false.</summary>
    public virtual bool CheckChannelSubsystemRequest(Channel channel, string name) => false;

    /// <summary>Whether to set the environment variable <paramref name="name"/> for what runs on
    /// <paramref name="channel"/> (an <c>env</c> request, RFC 4254 §6.4). Default: false.</summary>
    public virtual bool CheckChannelEnvRequest(Channel channel, string name, string value) => false;

    /// <summary>The client's terminal changed size (a <c>window-change</c>, RFC 4254 §6.7): in characters and rows,
    /// and pixels (0 when unknown). Return true when applied. Default: false.</summary>
    public virtual bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) => false;

    /// <summary>A signal for the process behind <paramref name="channel"/> (RFC 4254 §6.9): the name without the
    /// <c>SIG</c> prefix, e.g. <c>INT</c>. Return true when delivered. Default: false.</summary>
    public virtual bool CheckChannelSignalRequest(Channel channel, string signalName) => false;

    /// <summary>Whether to forward the client's ssh-agent to what runs on <paramref name="channel"/> (an
    /// <c>auth-agent-req@openssh.com</c> request, PROTOCOL.agent; paramiko's check_channel_forward_agent_request): on
    /// true, open <c>auth-agent@openssh.com</c> channels to the client for programs that want the agent. Default: false.</summary>
    public virtual bool CheckChannelForwardAgentRequest(Channel channel) => false;

    /// <summary>The async twin of <see cref="CheckChannelExecRequest"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<bool> CheckChannelExecRequestAsync(Channel channel, string command, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelExecRequest(channel, command));

    /// <summary>The async twin of <see cref="CheckChannelShellRequest"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<bool> CheckChannelShellRequestAsync(Channel channel, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelShellRequest(channel));

    /// <summary>The async twin of <see cref="CheckChannelSubsystemRequest"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<bool> CheckChannelSubsystemRequestAsync(Channel channel, string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelSubsystemRequest(channel, name));

    /// <summary>A direct-tcpip channel (RFC 4254 §7.2, the client's <c>ssh -L</c>) from <paramref name="origin"/> (as
    /// the client reports it) to <paramref name="destination"/>: null to accept, or the failure reason. An accepted
    /// channel is yours to connect, in <see cref="OnChannelOpened"/>. Default: refuse.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelDirectTcpipRequest(uint channelId, DnsEndPoint origin, DnsEndPoint destination) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    /// <summary>The async twin of <see cref="CheckChannelDirectTcpipRequest"/>, which the server calls; the default calls that.</summary>
    public virtual ValueTask<ChannelOpenFailureReason?> CheckChannelDirectTcpipRequestAsync(uint channelId, DnsEndPoint origin,
        DnsEndPoint destination, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CheckChannelDirectTcpipRequest(channelId, origin, destination));

    /// <summary>A direct-streamlocal@openssh.com channel to the Unix socket <paramref name="socketPath"/> (OpenSSH
    /// PROTOCOL §2.4): null to accept, or the failure reason.</summary>
    public virtual ChannelOpenFailureReason? CheckChannelDirectStreamLocalRequest(uint channelId, string socketPath) =>
        ChannelOpenFailureReason.AdministrativelyProhibited;

    /// <summary>The async twin of <see cref="CheckChannelDirectStreamLocalRequest"/>, which the server calls; the
    /// default calls that.</summary>
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

    /// <summary>A remote forward ("tcpip-forward", RFC 4254 §7.1; paramiko's check_port_forward_request): listen on
    /// <paramref name="address"/>:<paramref name="port"/> and return the port bound (the requested one, or the one
    /// chosen when 0 was asked), or null to refuse. Default: null.</summary>
    public virtual int? CheckPortForwardRequest(string address, int port) => null;

    /// <summary>The client cancels a remote forward ("cancel-tcpip-forward"): stop listening. The reply is always a
    /// success (paramiko's cancel_port_forward_request).</summary>
    public virtual void CancelPortForwardRequest(string address, int port) { }

    /// <summary>A remote Unix socket forward ("streamlocal-forward@openssh.com", PROTOCOL §2.4): true when the
    /// server now listens on <paramref name="socketPath"/>.</summary>
    public virtual bool CheckStreamLocalForwardRequest(string socketPath) => false;

    /// <summary>The client cancels a Unix socket forward ("cancel-streamlocal-forward@openssh.com"): stop listening
    /// on <paramref name="socketPath"/>. The reply is always a success.</summary>
    public virtual void CancelStreamLocalForwardRequest(string socketPath) { }

    /// <summary>Any other global request (RFC 4254 §4): <paramref name="data"/> is what follows want-reply; return the
    /// reply data (empty for none), or null to refuse. Default: null.</summary>
    public virtual byte[]? CheckGlobalRequest(string kind, ReadOnlyMemory<byte> data) => null;

    /// <summary>Called after the reply to an accepted channel request (exec, shell, subsystem, ...) has been sent:
    /// the place to start producing output, which must not overtake the reply.</summary>
    public virtual void OnChannelRequestAccepted(Channel channel, string requestType) { }

    /// <summary>Called after the reply to a global request has been sent (a forward's listener may begin serving).</summary>
    public virtual void OnGlobalRequestAnswered(string kind) { }
}
