using Ssh.Client;
using Ssh.Server;
using Ssh.Transport;

namespace Ssh.Testing;

/// <summary>
/// One line from a <see cref="TestSshServer"/> to a client that talks to it:
/// <c>using var client = server.CreateClient();</c> is connected, authenticated and trusts the server's host keys
/// (and no other unknown host). <see cref="TrustHost"/> does the trusting alone, for a client the test connects itself.
/// </summary>
public static class TestSshServerClientExtensions
{
    /// <summary>Records <paramref name="server"/>'s host keys in <paramref name="client"/>'s own host keys under
    /// <see cref="TestSshServer.KnownHostsName"/> (<c>[127.0.0.1]:PORT</c>), so a connect to it passes the host key
    /// check with the default <see cref="RejectPolicy"/>. Returns the client, to chain.</summary>
    public static SshClient TrustHost(this SshClient client, TestSshServer server)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        foreach (var key in server.HostKeys) client.GetHostKeys().Add(server.KnownHostsName, key.KeyType, key);
        return client;
    }

    /// <summary>A client connected to <paramref name="server"/> that trusts its host key: it logs in as
    /// <paramref name="user"/> (the server's first user by default) with its password, or with the server's
    /// <see cref="TestSshServer.ClientKey"/> for a key-only user. Neither the ssh-agent nor <c>~/.ssh</c> is consulted.</summary>
    /// <param name="server">The server to connect to.</param>
    /// <param name="user">One of the server's users; null for <see cref="TestSshServer.User"/>.</param>
    /// <param name="settings">Algorithms, limits and a logger for the client; the defaults when null.</param>
    /// <param name="timeout">A bound on the whole connect (10 s by default).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <exception cref="TimeoutException">The connect did not finish within <paramref name="timeout"/>.</exception>
    /// <exception cref="SshException">The connection or authentication failed.</exception>
    public static async Task<SshClient> CreateClientAsync(this TestSshServer server, string? user = null, TransportSettings? settings = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        user ??= server.User;
        string? password = server.Users.TryGetValue(user, out string? p) && !string.IsNullOrEmpty(p) ? p : null;
        var client = new SshClient();
        if (settings is not null) client.Settings = settings;
        client.TrustHost(server);
        try
        {
            await client.ConnectAsync(server.Host, server.Port, user, password, pkey: password is null ? server.ClientKey : null,
                timeout: timeout ?? TimeSpan.FromSeconds(10), allowAgent: false, lookForKeys: false, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The blocking twin of <see cref="CreateClientAsync"/>.</summary>
    /// <exception cref="TimeoutException">The connect did not finish within <paramref name="timeout"/>.</exception>
    /// <exception cref="SshException">The connection or authentication failed.</exception>
    public static SshClient CreateClient(this TestSshServer server, string? user = null, TransportSettings? settings = null, TimeSpan? timeout = null) =>
        server.CreateClientAsync(user, settings, timeout).GetAwaiter().GetResult();
}
