using System.Net;
using Ssh.Server.Sessions;
using Ssh.Transport;
using Ssh.Transport.Keys;

// Runs commands through CommandServerInterface, which refuses any system but Linux at construction; see there.
#pragma warning disable CA1416

namespace Ssh.Server;

/// <summary>
/// An SSH server that fits a test: <c>await using var server = TestSshServer.Start();</c> listens on a free loopback
/// port with a fresh ed25519 host key, accepts a user with a password and a client key of its own
/// (<see cref="ClientKey"/>), runs commands, shells and SFTP as the current OS user, and stops at dispose.
/// <see cref="Start(TestSshServerOptions)"/> takes the test's own users, authorized keys, host keys, algorithms and an
/// SFTP root. The package <c>Sshcs.Testing</c> adds <c>server.CreateClient()</c> (a connected client that trusts this
/// server) and <c>client.TrustHost(server)</c>. Starting one takes a few milliseconds once the first has started.
/// </summary>
public sealed class TestSshServer : IAsyncDisposable, IDisposable
{
    private const string DefaultUser = "test";
    private const string DefaultPassword = "test";

    private readonly SshServer _server;

    private TestSshServer(SshServer server, IReadOnlyList<SshPublicKey> hostKeys, SshPrivateKey clientKey,
        IReadOnlyDictionary<string, string?> users)
    {
        _server = server;
        HostKeys = hostKeys;
        ClientKey = clientKey;
        Users = users;
        (User, string? password) = users.First();
        Password = password ?? "";
    }

    /// <summary>The address to connect to: always <c>127.0.0.1</c>.</summary>
    public string Host => "127.0.0.1";

    /// <summary>The port the server listens on, chosen free at start unless one was given.</summary>
    public int Port => _server.LocalEndPoint.Port;

    /// <summary>The first user the server accepts (<c>test</c> unless others were given).</summary>
    public string User { get; }

    /// <summary>The password of <see cref="User"/>; empty for a user who logs in with a key only.</summary>
    public string Password { get; }

    /// <summary>Every user the server accepts, with its password (null or empty: key only).</summary>
    public IReadOnlyDictionary<string, string?> Users { get; }

    /// <summary>A private key the server accepts for every user: the test's client key when it has none of its own.</summary>
    public SshPrivateKey ClientKey { get; }

    /// <summary>The server's first host key.</summary>
    public SshPublicKey HostKey => HostKeys[0];

    /// <summary>Every host key the server offers, as plain keys (a key offered with its certificate is here once, as
    /// the key: what known_hosts records).</summary>
    public IReadOnlyList<SshPublicKey> HostKeys { get; }

    /// <summary>The name known_hosts gives this server: <c>[127.0.0.1]:PORT</c>.</summary>
    public string KnownHostsName => $"[{Host}]:{Port}";

    /// <summary>A known_hosts line for each host key (<c>[127.0.0.1]:PORT ssh-ed25519 AAAA...</c>), to trust this
    /// server from OpenSSH's <c>ssh</c> or any client that reads known_hosts.</summary>
    public string KnownHostsLines => string.Join('\n', HostKeys.Select(k => $"{KnownHostsName} {k.ToOpenSshString()}"));

    /// <summary>The server underneath, e.g. for <see cref="SshServer.Log"/>.</summary>
    public SshServer Server => _server;

    /// <summary>Starts a server on a free loopback port.</summary>
    /// <param name="user">The user to accept.</param>
    /// <param name="password">Its password.</param>
    /// <param name="configure">Changes the options (algorithms, limits, more host keys) before the server starts.</param>
    /// <param name="sftpRoot">The directory the built-in SFTP server serves as "/" (a jail); null serves the whole
    /// file system from the user's home directory.</param>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (the built-in command runner needs it).</exception>
    public static TestSshServer Start(string user = DefaultUser, string password = DefaultPassword, Action<SshServerOptions>? configure = null,
        string? sftpRoot = null)
    {
        var options = new TestSshServerOptions { SftpRoot = sftpRoot, Configure = configure };
        options.Users[user] = password;
        return Start(options);
    }

    /// <summary>Starts a server with the users, authorized keys, host keys, algorithms and SFTP root of
    /// <paramref name="options"/>, on a free loopback port unless it names one.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux (the built-in command runner needs it).</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The port given is taken.</exception>
    public static TestSshServer Start(TestSshServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientKey = Ed25519PrivateKey.Generate();
        var serverOptions = new SshServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, options.Port),
            Settings = options.Settings ?? new TransportSettings(),
        };
        if (options.HostKeys.Count == 0) serverOptions.HostKeys.Add(Ed25519PrivateKey.Generate());
        else serverOptions.HostKeys.AddRange(options.HostKeys);
        options.Configure?.Invoke(serverOptions);

        var users = options.Users.Count > 0
            ? new Dictionary<string, string?>(options.Users, StringComparer.Ordinal)
            : new Dictionary<string, string?>(StringComparer.Ordinal) { [DefaultUser] = DefaultPassword };
        var accounts = new ServerAccounts();
        foreach (var (name, password) in users)
        {
            if (string.IsNullOrEmpty(password)) accounts.AddUser(name);
            else accounts.AddUser(name, password);
        }
        accounts.AddAuthorizedKey(clientKey.PublicKey);
        foreach (SshPublicKey key in options.AuthorizedKeys) accounts.AddAuthorizedKey(key);
        foreach (SshPublicKey ca in options.TrustedUserCaKeys) accounts.AddTrustedUserCaKey(ca);

        string? sftpRoot = options.SftpRoot;
        var server = new SshServer(serverOptions, () => new CommandServerInterface(accounts) { SftpRoot = sftpRoot });
        server.Start();
        return new TestSshServer(server, serverOptions.HostKeys.Select(k => k.PublicKey is SshCertificate c ? c.Key : k.PublicKey).Distinct().ToArray(), clientKey, users);
    }

    /// <summary>Stops the server: every client gets a DISCONNECT and the port is freed.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>The blocking twin of <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => _server.StopAsync().GetAwaiter().GetResult();
}
