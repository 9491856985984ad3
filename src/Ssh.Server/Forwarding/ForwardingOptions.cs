namespace Ssh.Server.Forwarding;

/// <summary>What the built-in handler allows of port forwarding (OpenSSH's AllowTcpForwarding, GatewayPorts,
/// AllowStreamLocalForwarding).</summary>
public sealed class ForwardingOptions
{
    /// <summary>direct-tcpip channels (<c>ssh -L</c>, <c>ssh -W</c>) and tcpip-forward requests (<c>ssh -R</c>).</summary>
    public bool AllowTcpForwarding { get; set; } = true;

    /// <summary>Whether a remote forward may listen on other than loopback. When false (the default, like OpenSSH's
    /// <c>GatewayPorts no</c>) every remote forward listens on 127.0.0.1 and ::1 whatever address was asked.</summary>
    public bool GatewayPorts { get; set; }

    /// <summary>direct-streamlocal@openssh.com channels and streamlocal-forward@openssh.com requests.</summary>
    public bool AllowStreamLocalForwarding { get; set; } = true;

    /// <summary>The most remote forward listeners (TCP and Unix socket together) one connection may hold at once; 32 by
    /// default. More are refused, as are new ones while the process is short of file descriptors.</summary>
    public int MaxListeners { get; set; } = 32;

    /// <summary>How long connecting a direct-tcpip or direct-streamlocal destination may take before the channel is
    /// refused with ConnectFailed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
