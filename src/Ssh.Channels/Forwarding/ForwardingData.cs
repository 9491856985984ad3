using Ssh.Transport.Wire;

namespace Ssh.Channels.Forwarding;

/// <summary>The global request names of port forwarding and the type-specific data of its channels and requests
/// (RFC 4254 §7, OpenSSH PROTOCOL §2.4). The channel types themselves are in <see cref="ChannelTypes"/>.</summary>
internal static class ForwardingData
{
    public const string TcpipForward = "tcpip-forward";
    public const string CancelTcpipForward = "cancel-tcpip-forward";
    public const string StreamLocalForward = "streamlocal-forward@openssh.com";
    public const string CancelStreamLocalForward = "cancel-streamlocal-forward@openssh.com";

    // RFC 4254 §7.2 (direct-tcpip) and §7.1 (forwarded-tcpip) share one layout:
    // string host ‖ uint32 port ‖ string originator address ‖ uint32 originator port
    public static byte[] Tcpip(string host, int port, string originHost, int originPort) =>
        new SshBuffer().WriteString(host).WriteUInt32((uint)port).WriteString(originHost).WriteUInt32((uint)originPort).ToArray();

    public static (string Host, int Port, string OriginHost, int OriginPort) ReadTcpip(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        string host = r.ReadString();
        int port = (int)Math.Min(r.ReadUInt32(), int.MaxValue);
        return (host, port, r.ReadString(), (int)Math.Min(r.ReadUInt32(), int.MaxValue));
    }

    // RFC 4254 §7.1: string address to bind ‖ uint32 port to bind
    public static byte[] ForwardRequest(string address, int port) =>
        new SshBuffer().WriteString(address).WriteUInt32((uint)port).ToArray();

    // PROTOCOL §2.4 direct-streamlocal: string socket path ‖ string reserved ‖ uint32 reserved
    public static byte[] DirectStreamLocal(string path) =>
        new SshBuffer().WriteString(path).WriteString("").WriteUInt32(0).ToArray();

    // PROTOCOL §2.4 forwarded-streamlocal: string socket path ‖ string reserved
    public static byte[] ForwardedStreamLocal(string path) => new SshBuffer().WriteString(path).WriteString("").ToArray();

    // PROTOCOL §2.4 (cancel-)streamlocal-forward: string socket path. The path leads every streamlocal payload.
    public static byte[] Path(string path) => new SshBuffer().WriteString(path).ToArray();

    public static string ReadPath(ReadOnlySpan<byte> data) => new SshReader(data).ReadString();
}
