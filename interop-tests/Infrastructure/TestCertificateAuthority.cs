namespace Ssh.InteropTests.Infrastructure;

/// <summary>A certificate authority made by <c>ssh-keygen</c> in a directory, which signs keys with
/// <c>ssh-keygen -s</c>: the certificates the interop tests present are always OpenSSH's own.</summary>
public sealed class TestCertificateAuthority
{
    private TestCertificateAuthority(string directory, string keyPath)
    {
        Directory = directory;
        KeyPath = keyPath;
    }

    /// <summary>Where the CA and the keys it made live.</summary>
    public string Directory { get; }

    /// <summary>The CA's private key; its public key is <see cref="PublicKeyPath"/>.</summary>
    public string KeyPath { get; }

    public string PublicKeyPath => KeyPath + ".pub";

    /// <summary>The CA's public key line (<c>ssh-ed25519 AAAA... comment</c>).</summary>
    public string PublicKeyLine => File.ReadAllText(PublicKeyPath).Trim();

    /// <summary>A new CA of <paramref name="type"/> in <paramref name="directory"/>.</summary>
    public static async Task<TestCertificateAuthority> CreateAsync(string directory, string type = "ed25519", string name = "ca",
        CancellationToken cancellationToken = default)
    {
        string path = await KeygenAsync(directory, name, type, cancellationToken);
        return new TestCertificateAuthority(directory, path);
    }

    /// <summary>Generates an unencrypted key pair <c>NAME</c> and <c>NAME.pub</c> with ssh-keygen; returns the private key's path.</summary>
    public static async Task<string> KeygenAsync(string directory, string name, string type = "ed25519", CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(directory, name);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-N", "", "-t", type, "-C", name, "-f", path],
            TimeSpan.FromSeconds(60), cancellationToken);
        return path;
    }

    /// <summary><c>ssh-keygen -s CA -I id -n principals [-h] [options] KEY.pub</c>; returns the path of <c>KEY-cert.pub</c>.</summary>
    /// <param name="keyPath">The private (or public) key to certify; its .pub is signed.</param>
    /// <param name="id">The key identifier.</param>
    /// <param name="principals">Comma-separated principals; null for none.</param>
    /// <param name="host">A host certificate (<c>-h</c>).</param>
    /// <param name="options">More ssh-keygen arguments: <c>-O force-command=...</c>, <c>-V</c>, <c>-t rsa-sha2-256</c>...</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    public async Task<string> SignAsync(string keyPath, string id, string? principals, bool host = false, IEnumerable<string>? options = null,
        CancellationToken cancellationToken = default)
    {
        string publicKey = keyPath.EndsWith(".pub", StringComparison.Ordinal) ? keyPath : keyPath + ".pub";
        var args = new List<string> { "-q", "-s", KeyPath, "-I", id };
        if (principals is not null) args.AddRange(["-n", principals]);
        if (host) args.Add("-h");
        args.AddRange(options ?? []);
        args.Add(publicKey);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, args, TimeSpan.FromSeconds(60), cancellationToken);
        return publicKey[..^".pub".Length] + "-cert.pub";
    }
}
