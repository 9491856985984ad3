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

    /// <summary>Connections still authenticating at once (1,000 by default; OpenSSH's MaxStartups). When a new one
    /// arrives and they are all taken, the oldest is dropped, not the newcomer: silent or stalled connections cannot
    /// lock out logins, since each arrival takes a slot back from them.</summary>
    public int MaxUnauthenticatedConnections { get; set; } = 1000;

    /// <summary>Connections at once, authenticated or not (10,000 by default); more are refused on arrival.</summary>
    public int MaxConnections { get; set; } = 10_000;
}
