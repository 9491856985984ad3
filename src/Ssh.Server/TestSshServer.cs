using System.Net;
using Ssh.Server.Sessions;
using Ssh.Transport.Keys;

// Runs commands through CommandServerInterface, which refuses any system but Linux at construction; see there.
#pragma warning disable CA1416

namespace Ssh.Server;

/// <summary>
/// One line in a test: <c>await using var server = TestSshServer.Start();</c> — a server on a free loopback port
/// with a fresh ed25519 host key, a user with a password and an authorized client key, running commands as the
/// current OS user.
/// </summary>
public sealed class TestSshServer : IAsyncDisposable, IDisposable
{
    private readonly SshServer _server;

    private TestSshServer(SshServer server, SshPrivateKey hostKey, SshPrivateKey clientKey, string user, string password)
    {
        _server = server;
        HostKey = hostKey.PublicKey;
        ClientKey = clientKey;
        User = user;
        Password = password;
    }

    /// <summary>The address to connect to: always <c>127.0.0.1</c>.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port the server listens on, chosen free at start.</summary>
    public int Port => _server.LocalEndPoint.Port;

    /// <summary>The user name the server accepts.</summary>
    public string User { get; }

    /// <summary>The password of <see cref="User"/>.</summary>
    public string Password { get; }

    /// <summary>A private key the server accepts for <see cref="User"/>.</summary>
    public SshPrivateKey ClientKey { get; }

    /// <summary>The server's host key (for a known_hosts entry: <c>[127.0.0.1]:port</c>).</summary>
    public SshPublicKey HostKey { get; }

    /// <summary>The server underneath, e.g. for <see cref="SshServer.Log"/>.</summary>
    public SshServer Server => _server;

    /// <summary>Starts a server on a free loopback port.</summary>
    /// <param name="user">The user to accept.</param>
    /// <param name="password">Its password.</param>
    /// <param name="configure">Changes the options (algorithms, limits, more host keys) before the server starts.</param>
    /// <param name="sftpRoot">The directory the built-in SFTP server serves as "/" (a jail); null serves the whole
    /// file system from the user's home directory.</param>
    public static TestSshServer Start(string user = "test", string password = "test", Action<SshServerOptions>? configure = null,
        string? sftpRoot = null)
    {
        var hostKey = Ed25519PrivateKey.Generate();
        var clientKey = Ed25519PrivateKey.Generate();
        var options = new SshServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) };
        options.HostKeys.Add(hostKey);
        configure?.Invoke(options);
        var accounts = new ServerAccounts().AddUser(user, password).AddAuthorizedKey(clientKey.PublicKey);
        var server = new SshServer(options, () => new CommandServerInterface(accounts) { SftpRoot = sftpRoot });
        server.Start();
        return new TestSshServer(server, hostKey, clientKey, user, password);
    }

    /// <summary>Stops the server: every client gets a DISCONNECT and the port is freed.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>The blocking twin of <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _server.StopAsync().GetAwaiter().GetResult();
}
