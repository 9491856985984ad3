using Ssh.Channels;

namespace Ssh.Server;

/// <summary>paramiko's <c>Transport.start_server(server=...)</c>: the server side of an <see cref="SshTransport"/>
/// run by a <see cref="ServerInterface"/>.</summary>
public static class TransportServerExtensions
{
    /// <summary>Negotiates keys with the host keys added through <see cref="SshTransport.AddServerKey"/>, then
    /// authenticates the client through <paramref name="server"/>. Completes once a user has authenticated; from
    /// then on channels the server allows arrive through <see cref="SshTransport.AcceptAsync"/> (and the
    /// <see cref="ServerInterface"/> callbacks, which run off the connection's read loop). Returns the user name.</summary>
    public static async Task<string> StartServerAsync(this SshTransport transport, ServerInterface server,
        ServerConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var adapter = new ServerInterfaceAdapter(server);
        server.Transport = transport;
        return await transport.StartServerAsync(adapter, adapter, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blocking twin of <see cref="StartServerAsync"/>.</summary>
    public static string StartServer(this SshTransport transport, ServerInterface server, ServerConnectionOptions? options = null) =>
        transport.StartServerAsync(server, options).GetAwaiter().GetResult();
}
