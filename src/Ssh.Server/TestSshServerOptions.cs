using System.Collections.ObjectModel;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Server;

/// <summary>
/// What a <see cref="TestSshServer"/> accepts and offers. Every part is optional: with none set, the server accepts
/// user <c>test</c> with password <c>test</c> and its own generated <see cref="TestSshServer.ClientKey"/>, with a fresh
/// ed25519 host key and the default algorithms.
/// <code>
/// await using var server = TestSshServer.Start(new TestSshServerOptions
/// {
///     Users = { ["deploy"] = "s3cret" },
///     AuthorizedKeys = { File.ReadAllText("id_ed25519.pub") },
///     SftpRoot = tempDir,
/// });
/// </code>
/// </summary>
public sealed class TestSshServerOptions
{
    /// <summary>User names and their passwords. Empty: <c>test</c> / <c>test</c>. A user with a null or empty
    /// password logs in with an authorized key only.</summary>
    public IDictionary<string, string?> Users { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>Public keys that may log in as any of <see cref="Users"/>, given as <see cref="SshPublicKey"/> or as
    /// OpenSSH <c>.pub</c> / authorized_keys lines (<c>ssh-ed25519 AAAA... comment</c>). The server's own
    /// <see cref="TestSshServer.ClientKey"/> is always accepted as well.</summary>
    public AuthorizedKeyCollection AuthorizedKeys { get; } = [];

    /// <summary>Certificate authorities, as sshd's TrustedUserCAKeys: a user certificate one of them signed logs in as
    /// any of <see cref="Users"/> it names as a principal, its critical options (<c>force-command</c>,
    /// <c>source-address</c>) enforced. Given as <see cref="SshPublicKey"/> or as OpenSSH public key lines.</summary>
    public AuthorizedKeyCollection TrustedUserCaKeys { get; } = [];

    /// <summary>The host keys to offer. Empty: one fresh ed25519 key. A key with a host certificate
    /// (<see cref="SshPrivateKey.WithCertificate"/>) is offered as the certificate too, as sshd's HostCertificate.</summary>
    public IList<SshPrivateKey> HostKeys { get; } = new List<SshPrivateKey>();

    /// <summary>The algorithms offered, the limits and the logger (<see cref="TransportSettings.LoggerFactory"/>);
    /// the defaults when null.</summary>
    public TransportSettings? Settings { get; set; }

    /// <summary>The directory the built-in SFTP server serves as <c>/</c>, with no way out; null serves the whole file
    /// system from the user's home directory.</summary>
    public string? SftpRoot { get; set; }

    /// <summary>The loopback port to listen on; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Last changes to the server's options (limits, the login grace time) before it starts.</summary>
    public Action<SshServerOptions>? Configure { get; set; }
}

/// <summary>Public keys given as <see cref="SshPublicKey"/> objects or as OpenSSH public key lines; a collection
/// initializer takes both.</summary>
public sealed class AuthorizedKeyCollection : Collection<SshPublicKey>
{
    /// <summary>Adds the key of an OpenSSH public key: one line <c>TYPE BASE64 [comment]</c> (the format of a
    /// <c>.pub</c> file and of authorized_keys), or a whole <c>.pub</c> file's text (RFC 4716's form too). Text that is
    /// not a public key raises the key parser's error (<see cref="PublicKeyFile.Parse"/>), which says why.</summary>
    public void Add(string openSshPublicKey)
    {
        ArgumentNullException.ThrowIfNull(openSshPublicKey);
        Add(PublicKeyFile.Parse(openSshPublicKey).Key);
    }
}
