using NUnit.Framework;

namespace Ssh.InteropTests.Infrastructure;

/// <summary>The SSH server an interop test talks to: a local <see cref="OpenSshServer"/> started for the test, or
/// an external one named by <c>SSH_INTEROP_HOST</c> / <c>_PORT</c> / <c>_USER</c> / <c>_KEY</c> / <c>_PASSWORD</c>
/// (and optionally <c>SSH_INTEROP_HOST_KEY_FINGERPRINT</c>, <c>SHA256:...</c>).</summary>
/// <example><code>
/// await using var target = await ServerTarget.StartAsync(["Ciphers aes128-ctr"]);
/// client.Connect(target.Host, target.Port, target.UserName, keyFilename: target.KeyPath);
/// </code></example>
public sealed class ServerTarget : IAsyncDisposable, IDisposable
{
    private ServerTarget(string host, int port, string userName, string? password, string keyPath,
        string? hostKeyFingerprint, string? hostPublicKey, OpenSshServer? server)
    {
        Host = host;
        Port = port;
        UserName = userName;
        Password = password;
        KeyPath = keyPath;
        HostKeyFingerprint = hostKeyFingerprint;
        HostPublicKey = hostPublicKey;
        Server = server;
    }

    public string Host { get; }
    public int Port { get; }
    public string UserName { get; }
    /// <summary>The user's password; null for an external server without <c>SSH_INTEROP_PASSWORD</c>
    /// (see <see cref="RequirePassword"/>).</summary>
    public string? Password { get; }
    /// <summary>A private key (unencrypted, OpenSSH format) the server accepts for <see cref="UserName"/>.</summary>
    public string KeyPath { get; }
    /// <summary>The server's ed25519 host key fingerprint (<c>SHA256:...</c>), when known.</summary>
    public string? HostKeyFingerprint { get; }
    /// <summary>The server's ed25519 host key as a .pub line, when known (local servers only).</summary>
    public string? HostPublicKey { get; }
    public bool IsExternal => Server is null;
    /// <summary>The local sshd; null for an external server.</summary>
    public OpenSshServer? Server { get; }

    public static bool ExternalConfigured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_INTEROP_HOST"));

    /// <summary>A target for this test. With extra sshd_config lines (forcing an algorithm, say) the test is
    /// ignored against an external server, which we cannot reconfigure: the one allowed skip.</summary>
    public static ServerTarget Start(params string[] extraConfig) => StartAsync(extraConfig).GetAwaiter().GetResult();

    /// <inheritdoc cref="Start"/>
    public static async Task<ServerTarget> StartAsync(IEnumerable<string>? extraConfig = null, bool freshHostKeys = false, CancellationToken cancellationToken = default,
        string? sshd = null)
    {
        var extra = extraConfig?.ToArray() ?? [];
        if (ExternalConfigured)
        {
            if (extra.Length > 0)
                Assert.Ignore($"Needs the server reconfigured ({string.Join("; ", extra)}), which an external server (SSH_INTEROP_HOST) cannot be.");
            if (freshHostKeys)
                Assert.Ignore("Needs a server with new host keys, which an external server (SSH_INTEROP_HOST) cannot be.");
            return FromEnvironment();
        }
        return Wrap(await OpenSshServer.StartAsync(extra, freshHostKeys, cancellationToken, sshd));
    }

    /// <summary>A target for a server started directly; disposing the target stops the server.</summary>
    public static ServerTarget Wrap(OpenSshServer server) =>
        new(server.Host, server.Port, server.UserName, server.Password, server.ClientKeyPath,
            server.HostKeyFingerprint, server.HostPublicKey, server);

    /// <summary>The password, or the test is ignored when an external server was given none.</summary>
    public string RequirePassword()
    {
        if (Password is null) Assert.Ignore("Needs a password; set SSH_INTEROP_PASSWORD for the external server.");
        return Password!;
    }

    /// <summary>The local sshd's log tail; a note for an external server, whose log we cannot see.</summary>
    public string LogTail(int lines = 60) => Server?.LogTail(lines) ?? $"(external server {Host}:{Port}: no log available)";

    /// <summary>For a [TearDown]: writes the server log tail to the test output when the current test failed.</summary>
    public void WriteLogTailIfFailed(int lines = 60)
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine($"--- sshd log tail ({Host}:{Port}) ---\n{LogTail(lines)}");
    }

    public override string ToString() => IsExternal ? $"external {UserName}@{Host}:{Port}" : $"local sshd {UserName}@{Host}:{Port}";

    public void Dispose() => Server?.Dispose();

    public ValueTask DisposeAsync() => Server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static ServerTarget FromEnvironment()
    {
        string host = Environment.GetEnvironmentVariable("SSH_INTEROP_HOST")!;
        string portText = Environment.GetEnvironmentVariable("SSH_INTEROP_PORT") is { Length: > 0 } p ? p : "22";
        if (!int.TryParse(portText, out int port) || port is < 1 or > 65535)
            Assert.Fail($"SSH_INTEROP_PORT='{portText}' is not a port number.");
        string? user = Environment.GetEnvironmentVariable("SSH_INTEROP_USER");
        string? key = Environment.GetEnvironmentVariable("SSH_INTEROP_KEY");
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(key))
            Assert.Fail("With SSH_INTEROP_HOST set, SSH_INTEROP_USER and SSH_INTEROP_KEY (a private key path) must be set too.");
        if (!File.Exists(key))
            Assert.Fail($"SSH_INTEROP_KEY={key}: no such file.");
        string? password = Environment.GetEnvironmentVariable("SSH_INTEROP_PASSWORD") is { Length: > 0 } pw ? pw : null;
        string? fingerprint = Environment.GetEnvironmentVariable("SSH_INTEROP_HOST_KEY_FINGERPRINT") is { Length: > 0 } fp ? fp : null;
        return new ServerTarget(host, port, user!, password, key!, fingerprint, hostPublicKey: null, server: null);
    }
}
