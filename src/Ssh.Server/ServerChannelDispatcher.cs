using System.Net;
using Ssh.Channels;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Server;

/// <summary>Routes what a client asks of the connection protocol (channel opens, channel requests, global
/// requests) to the <see cref="ServerInterface"/>.</summary>
internal sealed class ServerChannelDispatcher(SshTransport transport, ServerInterface server)
{
    public void Install()
    {
        ConnectionService connection = transport.Connection;
        connection.ChannelOpenHandler = OnChannelOpenAsync;
        connection.GlobalRequestHandler = OnGlobalRequestAsync;
        connection.GlobalRequestAnswered = request => server.OnGlobalRequestAnswered(request.Name);
        server.Transport = transport;
    }

    private async ValueTask<ChannelOpenDecision> OnChannelOpenAsync(ChannelOpenMessage open)
    {
        ChannelOpenFailureReason? refusal;
        if (open.ChannelType == "direct-tcpip")
        {
            var (host, port, originHost, originPort) = ReadTcpip(open.Data.Span);
            if (port is < 0 or > IPEndPoint.MaxPort || originPort is < 0 or > IPEndPoint.MaxPort || host.Length == 0)
                return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.ConnectFailed, "direct-tcpip: invalid destination.");
            // The check may connect (the built-in handler does); that happens off the read loop (ConnectionService).
            refusal = await server.CheckChannelDirectTcpipRequestAsync(open.SenderChannel,
                new DnsEndPoint(originHost.Length == 0 ? "0.0.0.0" : originHost, originPort), new DnsEndPoint(host, port),
                transport.Session.Lifetime).ConfigureAwait(false);
        }
        else if (open.ChannelType == "direct-streamlocal@openssh.com")
        {
            string path = new SshReader(open.Data.Span).ReadString();
            refusal = await server.CheckChannelDirectStreamLocalRequestAsync(open.SenderChannel, path, transport.Session.Lifetime).ConfigureAwait(false);
        }
        else
        {
            refusal = server.CheckChannelRequest(open.ChannelType, open.SenderChannel);
        }
        if (refusal is { } reason)
            return ChannelOpenDecision.Refuse(reason, $"{open.ChannelType} channel refused.");
        return new ChannelOpenDecision
        {
            RequestHandler = OnChannelRequestAsync,
            RequestAccepted = (channel, request) => server.OnChannelRequestAccepted(channel, request.RequestType),
            OnOpened = channel =>
            {
                if (!server.OnChannelOpened(channel)) transport.OfferAccepted(channel);
            },
        };
    }

    // RFC 4254 §7.2: string host ‖ uint32 port ‖ string originator address ‖ uint32 originator port
    private static (string Host, int Port, string OriginHost, int OriginPort) ReadTcpip(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        string host = r.ReadString();
        long port = r.ReadUInt32();
        string originHost = r.ReadString();
        long originPort = r.ReadUInt32();
        return (host, (int)Math.Min(port, int.MaxValue), originHost, (int)Math.Min(originPort, int.MaxValue));
    }

    private async ValueTask<bool> OnChannelRequestAsync(Channel channel, ChannelRequestMessage request)
    {
        var r = new SshReader(request.Data.Span);
        CancellationToken token = transport.Session.Lifetime;
        switch (request.RequestType)
        {
            case "pty-req":
                {
                    string term = r.ReadString();
                    int width = (int)r.ReadUInt32(), height = (int)r.ReadUInt32();
                    int widthPixels = (int)r.ReadUInt32(), heightPixels = (int)r.ReadUInt32();
                    byte[] modes = r.ReadBinaryString();
                    return server.CheckChannelPtyRequest(channel, term, width, height, widthPixels, heightPixels, modes);
                }
            case "env":
                return server.CheckChannelEnvRequest(channel, r.ReadString(), r.ReadString());
            case "exec":
                return await server.CheckChannelExecRequestAsync(channel, r.ReadString(), token).ConfigureAwait(false);
            case "shell":
                return await server.CheckChannelShellRequestAsync(channel, token).ConfigureAwait(false);
            case "subsystem":
                return await server.CheckChannelSubsystemRequestAsync(channel, r.ReadString(), token).ConfigureAwait(false);
            case "window-change":
                return server.CheckChannelWindowChangeRequest(channel, (int)r.ReadUInt32(), (int)r.ReadUInt32(), (int)r.ReadUInt32(), (int)r.ReadUInt32());
            case "signal":
                return server.CheckChannelSignalRequest(channel, r.ReadString());
            default:
                return false; // keepalive@openssh.com, eow@openssh.com, x11-req, auth-agent-req@openssh.com...
        }
    }

    private ValueTask<byte[]?> OnGlobalRequestAsync(GlobalRequestMessage request)
    {
        var r = new SshReader(request.Data.Span);
        switch (request.Name)
        {
            case "tcpip-forward":
                {
                    string address = r.ReadString();
                    int port = (int)r.ReadUInt32();
                    int? bound = server.CheckPortForwardRequest(address, port);
                    if (bound is null) return ValueTask.FromResult<byte[]?>(null);
                    // RFC 4254 §7.1: the reply carries the port only when the client asked for port 0.
                    return ValueTask.FromResult<byte[]?>(port == 0 ? new SshBuffer(4).WriteUInt32((uint)bound.Value).ToArray() : []);
                }
            case "cancel-tcpip-forward":
                server.CancelPortForwardRequest(r.ReadString(), (int)r.ReadUInt32());
                return ValueTask.FromResult<byte[]?>([]);
            case "streamlocal-forward@openssh.com":
                return ValueTask.FromResult<byte[]?>(server.CheckStreamLocalForwardRequest(r.ReadString()) ? [] : null);
            case "cancel-streamlocal-forward@openssh.com":
                server.CancelStreamLocalForwardRequest(r.ReadString());
                return ValueTask.FromResult<byte[]?>([]);
            case "keepalive@openssh.com":
            case "hostkeys-prove-00@openssh.com":
                return ValueTask.FromResult<byte[]?>(null);
            case "no-more-sessions@openssh.com":
                return ValueTask.FromResult<byte[]?>([]);
            default:
                return ValueTask.FromResult(server.CheckGlobalRequest(request.Name, request.Data));
        }
    }
}
