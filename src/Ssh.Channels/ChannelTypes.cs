namespace Ssh.Channels;

/// <summary>The channel types of RFC 4254 and OpenSSH's PROTOCOL, as they are named on the wire.</summary>
public static class ChannelTypes
{
    /// <summary>An interactive session: a command, a shell or a subsystem (RFC 4254 §6.1).</summary>
    public const string Session = "session";

    /// <summary>A connection the client asks the server to make (<c>ssh -L</c>, RFC 4254 §7.2).</summary>
    public const string DirectTcpip = "direct-tcpip";

    /// <summary>A connection to a remote forward's listener, opened by the server (<c>ssh -R</c>, RFC 4254 §7.1).</summary>
    public const string ForwardedTcpip = "forwarded-tcpip";

    /// <summary>A connection to a Unix socket on the server (OpenSSH PROTOCOL §2.4).</summary>
    public const string DirectStreamLocal = "direct-streamlocal@openssh.com";

    /// <summary>A connection to a remote Unix socket forward, opened by the server (OpenSSH PROTOCOL §2.4).</summary>
    public const string ForwardedStreamLocal = "forwarded-streamlocal@openssh.com";

    /// <summary>A connection to the client's ssh-agent, opened by the server once the client asked for agent
    /// forwarding (<c>ssh -A</c>, OpenSSH PROTOCOL.agent "auth-agent@openssh.com").</summary>
    public const string AuthAgent = "auth-agent@openssh.com";

    /// <summary>The session request that asks the server to forward the agent (PROTOCOL.agent).</summary>
    public const string AuthAgentRequest = "auth-agent-req@openssh.com";
}
