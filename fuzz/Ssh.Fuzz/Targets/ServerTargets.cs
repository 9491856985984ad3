using System.Net;
using Ssh.Channels;
using Ssh.Server;
using Ssh.Server.Processes;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// The server's parsing of what a client asks, <see cref="ServerInterfaceAdapter"/>: the type-specific data of
/// channel opens (direct-tcpip, direct-streamlocal), channel requests (pty-req with its terminal modes applied by
/// <see cref="TerminalModes.Apply"/>, env, exec, subsystem, window-change, signal) and global requests
/// (tcpip-forward and the streamlocal ones). Input: a byte choosing open (0), channel request (1) or global request
/// (2); a <see cref="FuzzInput.Chunk"/> with the type or name; the rest is the data.
/// </summary>
internal static class ServerTargets
{
    public static FuzzTarget Create() =>
        new("server-requests", "ServerInterfaceAdapter: channel open, channel request and global request data (RFC 4254 §6, §7)",
            Run, typeof(SshProtocolException));

    private static readonly ServerInterfaceAdapter Adapter = new(new AcceptingServer());

    /// <summary>A channel for the channel requests to name; nothing is ever sent on it.</summary>
    private static readonly Channel Channel = new(new ConnectionService(new NoTransport()), 0, ChannelTypes.Session, 1024, 1024);

    private static void Run(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        byte kind = fuzz.Byte();
        string name = System.Text.Encoding.UTF8.GetString(fuzz.Chunk());
        byte[] data = fuzz.Rest.ToArray();
        switch (kind % 3)
        {
            case 0:
                Adapter.DecideChannelOpenAsync(new ChannelOpenRequest(name, 7, 1024, 1024, data), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                break;
            case 1:
                Adapter.DecideChannelRequestAsync(Channel, new ChannelRequest(name, true, data), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                break;
            default:
                Adapter.DecideGlobalRequestAsync(new GlobalRequest(name, true, data), CancellationToken.None).AsTask().GetAwaiter().GetResult();
                break;
        }
    }

    /// <summary>Says yes to everything and does nothing (no process, no listener): only the parsing is under test.
    /// A pty request's modes are applied to a termios, as the session does before it starts the process.</summary>
    private sealed class AcceptingServer : ServerInterface
    {
        public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) => null;
        public override ChannelOpenFailureReason? CheckChannelDirectTcpipRequest(uint channelId, DnsEndPoint origin, DnsEndPoint destination) => null;
        public override ChannelOpenFailureReason? CheckChannelDirectStreamLocalRequest(uint channelId, string socketPath) => null;
        public override bool CheckChannelExecRequest(Channel channel, string command) => true;
        public override bool CheckChannelShellRequest(Channel channel) => true;
        public override bool CheckChannelSubsystemRequest(Channel channel, string name) => true;
        public override bool CheckChannelEnvRequest(Channel channel, string name, string value) => true;
        public override bool CheckChannelWindowChangeRequest(Channel channel, int width, int height, int widthPixels, int heightPixels) => true;
        public override bool CheckChannelSignalRequest(Channel channel, string signalName) => true;
        public override int? CheckPortForwardRequest(string address, int port) => port == 0 ? 40000 : port;
        public override bool CheckStreamLocalForwardRequest(string socketPath) => true;
        public override byte[]? CheckGlobalRequest(string kind, ReadOnlyMemory<byte> data) => [];

        public override bool CheckChannelPtyRequest(Channel channel, string term, int width, int height, int widthPixels, int heightPixels,
            ReadOnlyMemory<byte> modes)
        {
            var termios = default(LibC.Termios);
            TerminalModes.Apply(modes.Span, ref termios);
            return true;
        }
    }

    private sealed class NoTransport : IMessageTransport
    {
        public ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage => ValueTask.CompletedTask;
        public bool IsConnected => true;
        public Exception? CloseReason => null;
        public CancellationToken Lifetime => CancellationToken.None;
    }
}
