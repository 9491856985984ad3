namespace Ssh.InteropTests.Infrastructure;

/// <summary>Host keys (ed25519, ecdsa, rsa) and an ed25519 client key made with <c>ssh-keygen</c>. One set is shared by
/// every server of a test run, because RSA key generation can take seconds on a busy machine.</summary>
internal sealed record KeySet(
    IReadOnlyDictionary<string, string> HostKeys,
    string HostEd25519PublicKey,
    string HostEd25519Fingerprint,
    string ClientKey,
    string ClientPublicKey)
{
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static KeySet? _shared;
    private static string? _sharedDirectory;

    /// <summary>The run's shared set, generated on first use and deleted when the test process exits.</summary>
    public static async Task<KeySet> SharedAsync(CancellationToken cancellationToken)
    {
        await SharedLock.WaitAsync(cancellationToken);
        try
        {
            if (_shared != null) return _shared;
            var directory = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "keys-");
            try
            {
                _shared = await GenerateAsync(directory, clientFrom: null, cancellationToken);
            }
            catch
            {
                OpenSshServer.TryDeleteDirectory(directory);
                throw;
            }
            _sharedDirectory = directory;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => OpenSshServer.TryDeleteDirectory(_sharedDirectory);
            return _shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    /// <summary>Generates new host keys into <paramref name="directory"/>, and reuses the client key of
    /// <paramref name="clientFrom"/> or generates one too.</summary>
    public static async Task<KeySet> GenerateAsync(string directory, KeySet? clientFrom, CancellationToken cancellationToken)
    {
        var paths = new Dictionary<string, string>();
        foreach (var type in new[] { "ed25519", "ecdsa", "rsa" })
            paths[type] = await KeygenAsync(Path.Combine(directory, $"ssh_host_{type}_key"), type, "sshcs-interop-host", cancellationToken);
        var hostPublic = (await File.ReadAllTextAsync(paths["ed25519"] + ".pub", cancellationToken)).Trim();
        var fingerprint = await FingerprintAsync(paths["ed25519"] + ".pub", cancellationToken);

        string clientKey, clientPublic;
        if (clientFrom != null)
        {
            (clientKey, clientPublic) = (clientFrom.ClientKey, clientFrom.ClientPublicKey);
        }
        else
        {
            clientKey = await KeygenAsync(Path.Combine(directory, "id_ed25519"), "ed25519", "sshcs-interop-client", cancellationToken);
            clientPublic = (await File.ReadAllTextAsync(clientKey + ".pub", cancellationToken)).Trim();
        }
        return new KeySet(paths, hostPublic, fingerprint, clientKey, clientPublic);
    }

    /// <summary><c>SHA256:...</c> of a public key file, as <c>ssh-keygen -l</c> prints it.</summary>
    public static async Task<string> FingerprintAsync(string publicKeyPath, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-l", "-E", "sha256", "-f", publicKeyPath], TimeSpan.FromSeconds(30), cancellationToken);
        // "256 SHA256:abc... comment (ED25519)"
        var parts = result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !parts[1].StartsWith("SHA256:", StringComparison.Ordinal))
            throw new InvalidOperationException($"Unexpected ssh-keygen -l output: {result.Stdout}");
        return parts[1];
    }

    private static async Task<string> KeygenAsync(string path, string type, string comment, CancellationToken cancellationToken)
    {
        // -N '': unencrypted; OpenSSH's own format is ssh-keygen's default for every type.
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", type, "-C", comment, "-f", path], TimeSpan.FromSeconds(120), cancellationToken);
        return path;
    }
}
