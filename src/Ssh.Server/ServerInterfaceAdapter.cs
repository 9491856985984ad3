using System.Net;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport.Wire;

namespace Ssh.Server;

/// <summary>
/// Presents paramiko's <see cref="ServerInterface"/> to the core's two server seams: authentication
/// (<see cref="IServerAuthenticator"/>) and the connection protocol's requests (<see cref="IConnectionRequestHandler"/>).
/// The one place that parses the type-specific data of the requests a server understands (RFC 4254 §6, §7) into the
/// callbacks' arguments.
/// </summary>
internal sealed class ServerInterfaceAdapter(ServerInterface server) : IServerAuthenticator, IConnectionRequestHandler
{
    // ---- Authentication (RFC 4252, RFC 4256) ----

    public IReadOnlyList<string> GetAllowedAuths(string username) =>
        server.GetAllowedAuths(username).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public ValueTask<AuthenticationResult> CheckNoneAsync(string username, CancellationToken cancellationToken) =>
        server.CheckAuthNoneAsync(username, cancellationToken);

    public ValueTask<AuthenticationResult> CheckPasswordAsync(string username, string password, CancellationToken cancellationToken) =>
        server.CheckAuthPasswordAsync(username, password, cancellationToken);

    public ValueTask<AuthenticationResult> CheckPublicKeyAsync(string username, SshPublicKey key, CancellationToken cancellationToken) =>
        server.CheckAuthPublicKeyAsync(username, key, cancellationToken);

    public ValueTask<InteractiveQuery?> StartInteractiveAsync(string username, string submethods, CancellationToken cancellationToken) =>
        server.CheckAuthInteractiveAsync(username, submethods, cancellationToken);

    public ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        server.CheckAuthInteractiveResponseAsync(username, responses, cancellationToken);

    public string? GetBanner() => server.GetBanner();

    public void OnAuthenticated(string username, string method, SshPublicKey? key) => server.OnAuthenticated(username, method);

    // ---- Channel opens (RFC 4254 §5.1, §7.2; OpenSSH PROTOCOL §2.4) ----

    public async ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest open, CancellationToken cancellationToken)
    {
        ChannelOpenFailureReason? refusal;
        switch (open.ChannelType)
        {
            case ChannelTypes.DirectTcpip:
                {
                    // RFC 4254 §7.2: string host ‖ uint32 port ‖ string originator address ‖ uint32 originator port
                    var r = new SshReader(open.Data.Span);
                    string host = r.ReadString();
                    long port = r.ReadUInt32();
                    string originHost = r.ReadString();
                    long originPort = r.ReadUInt32();
                    if (host.Length == 0 || port > IPEndPoint.MaxPort || originPort > IPEndPoint.MaxPort)
                        return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, "direct-tcpip: invalid destination.");
                    refusal = await server.CheckChannelDirectTcpipRequestAsync(open.SenderChannel,
                        new DnsEndPoint(originHost.Length == 0 ? "0.0.0.0" : originHost, (int)originPort), new DnsEndPoint(host, (int)port),
                        cancellationToken).ConfigureAwait(false);
                    break;
                }
            case ChannelTypes.DirectStreamLocal:
                {
                    // PROTOCOL §2.4: string socket path ‖ string reserved ‖ uint32 reserved
                    string path = new SshReader(open.Data.Span).ReadString();
                    refusal = await server.CheckChannelDirectStreamLocalRequestAsync(open.SenderChannel, path, cancellationToken).ConfigureAwait(false);
                    break;
                }
            default:
                refusal = server.CheckChannelRequest(open.ChannelType, open.SenderChannel);
                break;
        }
        return refusal is { } reason
            ? ChannelOpenDecision.Refuse(reason, $"{open.ChannelType} channel refused.")
            : ChannelOpenDecision.Accept(server.OnChannelOpened);
    }

    // ---- Channel requests (RFC 4254 §6) ----

    public async ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken cancellationToken)
    {
        var r = new SshReader(request.Data.Span);
        switch (request.RequestType)
        {
            case "pty-req":
                {
                    // §6.2: string TERM ‖ uint32 columns ‖ uint32 rows ‖ uint32 width px ‖ uint32 height px ‖ string modes
                    string term = r.ReadString();
                    int width = (int)r.ReadUInt32(), height = (int)r.ReadUInt32();
                    int widthPixels = (int)r.ReadUInt32(), heightPixels = (int)r.ReadUInt32();
                    byte[] modes = r.ReadBinaryString();
                    return server.CheckChannelPtyRequest(channel, term, width, height, widthPixels, heightPixels, modes);
                }
            case "env":
                return server.CheckChannelEnvRequest(channel, r.ReadString(), r.ReadString());
            case "exec":
                return await server.CheckChannelExecRequestAsync(channel, r.ReadString(), cancellationToken).ConfigureAwait(false);
            case "shell":
                return await server.CheckChannelShellRequestAsync(channel, cancellationToken).ConfigureAwait(false);
            case "subsystem":
                return await server.CheckChannelSubsystemRequestAsync(channel, r.ReadString(), cancellationToken).ConfigureAwait(false);
            case "window-change":
                return server.CheckChannelWindowChangeRequest(channel, (int)r.ReadUInt32(), (int)r.ReadUInt32(), (int)r.ReadUInt32(), (int)r.ReadUInt32());
            case "signal":
                return server.CheckChannelSignalRequest(channel, r.ReadString());
            case ChannelTypes.AuthAgentRequest:
                return server.CheckChannelForwardAgentRequest(channel);
            default:
                return false; // keepalive@openssh.com, eow@openssh.com, x11-req...
        }
    }

    public void OnChannelRequestAccepted(Channel channel, ChannelRequest request) => server.OnChannelRequestAccepted(channel, request.RequestType);

    // ---- Global requests (RFC 4254 §4, §7.1; OpenSSH PROTOCOL §2.4, §2.5) ----

    public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken cancellationToken)
    {
        var r = new SshReader(request.Data.Span);
        byte[]? reply;
        switch (request.Name)
        {
            case "tcpip-forward":
                {
                    string address = r.ReadString();
                    long port = r.ReadUInt32();
                    int? bound = port > IPEndPoint.MaxPort ? null : server.CheckPortForwardRequest(address, (int)port);
                    // RFC 4254 §7.1: the reply carries the port only when the client asked for port 0.
                    reply = bound is null ? null : port == 0 ? new SshBuffer(4).WriteUInt32((uint)bound.Value).ToArray() : [];
                    break;
                }
            case "cancel-tcpip-forward":
                server.CancelPortForwardRequest(r.ReadString(), (int)Math.Min(r.ReadUInt32(), int.MaxValue));
                reply = [];
                break;
            case "streamlocal-forward@openssh.com":
                reply = server.CheckStreamLocalForwardRequest(r.ReadString()) ? [] : null;
                break;
            case "cancel-streamlocal-forward@openssh.com":
                server.CancelStreamLocalForwardRequest(r.ReadString());
                reply = [];
                break;
            case "keepalive@openssh.com":
            case "hostkeys-prove-00@openssh.com":
                reply = null;
                break;
            case "no-more-sessions@openssh.com":
                reply = [];
                break;
            default:
                reply = server.CheckGlobalRequest(request.Name, request.Data);
                break;
        }
        return ValueTask.FromResult(reply);
    }

    public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted) => server.OnGlobalRequestAnswered(request.Name);
}
