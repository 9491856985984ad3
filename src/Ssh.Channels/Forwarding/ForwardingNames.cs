using Ssh.Transport.Wire;

namespace Ssh.Channels.Forwarding;

/// <summary>The wire names and type-specific data of the forwarding channels and global requests (RFC 4254 §7,
/// OpenSSH PROTOCOL §2.4).</summary>
internal static class ForwardingNames
{
    public const string DirectTcpip = "direct-tcpip";
    public const string ForwardedTcpip = "forwarded-tcpip";
    public const string TcpipForward = "tcpip-forward";
    public const string CancelTcpipForward = "cancel-tcpip-forward";
    public const string DirectStreamLocal = "direct-streamlocal@openssh.com";
    public const string ForwardedStreamLocal = "forwarded-streamlocal@openssh.com";
    public const string StreamLocalForward = "streamlocal-forward@openssh.com";
    public const string CancelStreamLocalForward = "cancel-streamlocal-forward@openssh.com";

    // RFC 4254 §7.2 (direct-tcpip) and §7.1 (forwarded-tcpip) share one layout:
    // string host ‖ uint32 port ‖ string originator address ‖ uint32 originator port
    public static byte[] TcpipData(string host, int port, string originHost, int originPort) =>
        new SshBuffer().WriteString(host).WriteUInt32((uint)port).WriteString(originHost).WriteUInt32((uint)originPort).ToArray();

    public static (string Host, int Port, string OriginHost, int OriginPort) ReadTcpipData(ReadOnlySpan<byte> data)
    {
        var r = new SshReader(data);
        string host = r.ReadString();
        int port = (int)r.ReadUInt32();
        return (host, port, r.ReadString(), (int)r.ReadUInt32());
    }

    // RFC 4254 §7.1: string address to bind ‖ uint32 port to bind
    public static byte[] ForwardRequestData(string address, int port) =>
        new SshBuffer().WriteString(address).WriteUInt32((uint)port).ToArray();

    // PROTOCOL §2.4 direct-streamlocal: string socket path ‖ string reserved ‖ uint32 reserved
    public static byte[] DirectStreamLocalData(string path) =>
        new SshBuffer().WriteString(path).WriteString("").WriteUInt32(0).ToArray();

    // PROTOCOL §2.4 forwarded-streamlocal: string socket path ‖ string reserved
    public static byte[] ForwardedStreamLocalData(string path) => new SshBuffer().WriteString(path).WriteString("").ToArray();

    // PROTOCOL §2.4 (cancel-)streamlocal-forward: string socket path. The path leads every streamlocal payload.
    public static byte[] PathData(string path) => new SshBuffer().WriteString(path).ToArray();

    public static string ReadPath(ReadOnlySpan<byte> data) => new SshReader(data).ReadString();
}
