using System.Net;
using Ssh.Transport;
using Ssh.Transport.Keys;

using Ssh.Channels;

namespace Ssh.Server;

/// <summary>What an <see cref="SshServer"/> listens on and the limits it enforces.</summary>
public sealed class SshServerOptions
{
    /// <summary>Where to listen; port 0 picks a free port (see <see cref="SshServer.LocalEndPoint"/>).</summary>
    public IPEndPoint Endpoint { get; set; } = new(IPAddress.Loopback, 2222);

    /// <summary>The host keys to offer; at least one.</summary>
    public List<SshPrivateKey> HostKeys { get; } = [];

    /// <summary>The algorithms offered and the rekey limits, for every connection.</summary>
    public TransportSettings Settings { get; set; } = new();

    /// <summary>Per-connection limits of authentication: the login grace time and the attempts allowed.</summary>
    public ServerConnectionOptions Connection { get; set; } = new();

    /// <summary>Connections still authenticating at once; more are dropped on arrival (OpenSSH's MaxStartups).</summary>
    public int MaxUnauthenticatedConnections { get; set; } = 100;

    /// <summary>Connections at once, authenticated or not.</summary>
    public int MaxConnections { get; set; } = 10_000;
}
