using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ssh.Channels;
using Ssh.Client.Diagnostics;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Client;

/// <summary>
/// paramiko's <c>SSHClient</c>: connect with host key checking and the usual authentication order, then run
/// commands, shells and SFTP. Every blocking method has an async twin.
/// </summary>
public sealed partial class SshClient : IDisposable, IAsyncDisposable
{
    private readonly HostKeys _systemHostKeys = new();
    private readonly HostKeys _hostKeys = new();
    private IMissingHostKeyPolicy _policy = new RejectPolicy();
    private bool _policyChosen;
    private bool _forwardAgent;
    private SshTransport? _transport;

    /// <summary>A client with no host keys loaded and <see cref="RejectPolicy"/> (paramiko's <c>SSHClient()</c>).</summary>
    public SshClient() { }

    /// <summary>Algorithm preferences and limits used by <see cref="Connect"/>; set before connecting.</summary>
    public TransportSettings Settings { get; set; } = new();

    /// <summary>OpenSSH's ServerAliveInterval for connections this client makes: after each interval without traffic
    /// from the server, a PING (when the server advertises <c>ping@openssh.com</c>, OpenSSH PROTOCOL §1.9) or else a
    /// <c>keepalive@openssh.com</c> request; <see cref="KeepaliveCountMax"/> unanswered in a row
    /// fail the connection with <see cref="SshConnectionException"/>, and every call waiting on it. Zero (the default,
    /// as in OpenSSH): no keepalives. See <see cref="SshTransport.SetKeepalive"/>.</summary>
    public TimeSpan KeepaliveInterval { get; set; }

    /// <summary>OpenSSH's ServerAliveCountMax (3 by default).</summary>
    public int KeepaliveCountMax { get; set; } = 3;

    /// <summary>The file <see cref="LoadHostKeys"/> read, where <see cref="AutoAddPolicy"/> saves new keys.</summary>
    public string? HostKeysFilename { get; private set; }

    /// <summary>Loads the user's known_hosts (default <c>~/.ssh/known_hosts</c>, skipped when absent); these keys are
    /// checked but never written back (paramiko's <c>load_system_host_keys</c>).</summary>
    /// <exception cref="FileNotFoundException">A <paramref name="filename"/> other than the default does not exist.</exception>
    public void LoadSystemHostKeys(string? filename = null)
    {
        filename ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        if (File.Exists(filename)) _systemHostKeys.Load(filename);
        else if (filename is not null && !File.Exists(filename) && filename != DefaultKnownHosts)
            throw new FileNotFoundException($"The known_hosts file {filename} does not exist.", filename);
    }

    private static string DefaultKnownHosts =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

    /// <summary>Loads host keys that this client also saves (paramiko's load_host_keys): the file becomes
    /// <see cref="HostKeysFilename"/>; a file that does not exist yet is fine.</summary>
    public void LoadHostKeys(string filename)
    {
        HostKeysFilename = filename;
        if (File.Exists(filename)) _hostKeys.Load(filename);
    }

    /// <summary>Writes the client's own host keys (<see cref="GetHostKeys"/>, not the system ones) to
    /// <paramref name="filename"/> in known_hosts format (paramiko's <c>save_host_keys</c>).</summary>
    public void SaveHostKeys(string filename) => _hostKeys.Save(filename);

    /// <summary>The client's own host keys (not the system ones).</summary>
    public HostKeys GetHostKeys() => _hostKeys;

    /// <summary>Sets what <see cref="Connect"/> does with a server whose host key is not on record:
    /// <see cref="RejectPolicy"/> (the default), <see cref="AutoAddPolicy"/>, <see cref="WarningPolicy"/> or your own.</summary>
    public void SetMissingHostKeyPolicy(IMissingHostKeyPolicy policy)
    {
        _policy = policy;
        _policyChosen = true;
    }

    /// <summary>The underlying transport, or null before <see cref="Connect"/>.</summary>
    public SshTransport? GetTransport() => _transport;

    /// <summary>Connects, checks the host key, and authenticates in paramiko's order: <paramref name="pkey"/>,
    /// <paramref name="keyFilename"/>, the ssh-agent's keys (when <paramref name="allowAgent"/>), keys in <c>~/.ssh</c>
    /// (when <paramref name="lookForKeys"/>), then <paramref name="password"/>. A <c>none</c> request first learns
    /// which methods the server allows; a server that allows only keyboard-interactive gets the password as the answer
    /// to its one prompt. A client connects once: a failed connect is closed, create a new client to retry.</summary>
    /// <param name="hostname">The server's host name or address.</param>
    /// <param name="port">The server's TCP port.</param>
    /// <param name="username">The user to log in as; null for the local user name.</param>
    /// <param name="password">The password; also tried as the passphrase of key files when
    /// <paramref name="passphrase"/> is null.</param>
    /// <param name="pkey">A private key to try first.</param>
    /// <param name="keyFilename">Private key files to try, in order; one that cannot be read fails the connect.</param>
    /// <param name="timeout">A limit on the whole connect (TCP, key exchange and authentication); null for none.</param>
    /// <param name="allowAgent">Whether to try the keys of the ssh-agent at <c>$SSH_AUTH_SOCK</c>.</param>
    /// <param name="lookForKeys">Whether to try <c>~/.ssh/id_ed25519</c>, <c>id_ecdsa</c> and <c>id_rsa</c>; files
    /// that cannot be used are skipped.</param>
    /// <param name="sock">An already connected stream to use instead of opening a socket.</param>
    /// <param name="compress">Ask for zlib compression (<c>zlib@openssh.com</c>, then <c>zlib</c>), as <c>ssh -C</c>.</param>
    /// <param name="disabledAlgorithms">paramiko's <c>disabled_algorithms</c>: names (or patterns) to leave out, by
    /// category (<c>kex</c>, <c>keys</c>, <c>ciphers</c>, <c>macs</c>, <c>pubkeys</c>, <c>compression</c>); see
    /// <see cref="TransportSettings.DisableAlgorithms"/>.</param>
    /// <param name="passphrase">The passphrase of encrypted key files.</param>
    /// <param name="forwardAgent">Forward the ssh-agent (<c>ssh -A</c>) to the commands and shells this client starts;
    /// see <see cref="SshTransport.ForwardAgent"/> for what that gives the server.</param>
    /// <param name="config">An ssh_config (<see cref="SshConfig.LoadDefault"/>, say) to apply, as ssh does, for
    /// <paramref name="hostname"/> (which may then be an alias): HostName, Port (unless a port other than 22 is
    /// given), User, IdentityFile, CertificateFile, IdentitiesOnly, IdentityAgent, ProxyJump (through each hop, each
    /// checked against the same host keys), ProxyCommand, HostKeyAlias, UserKnownHostsFile, HashKnownHosts,
    /// StrictHostKeyChecking (unless <see cref="SetMissingHostKeyPolicy"/> was called), ServerAliveInterval,
    /// ServerAliveCountMax, ConnectTimeout, Compression, ForwardAgent and the algorithm lists. Arguments given
    /// explicitly win over it.</param>
    /// <param name="cancellationToken">Cancels the connect, which then closes the client.</param>
    /// <exception cref="BadHostKeyException">The server's key differs from the one on record, or is revoked.</exception>
    /// <exception cref="AuthenticationException">Every method tried failed (<see cref="BadAuthenticationTypeException"/>
    /// when none could be tried); <see cref="AuthenticationException.AllowedMethods"/> says what the server allows.</exception>
    /// <exception cref="TimeoutException"><paramref name="timeout"/> passed, or the server sent no version line or did
    /// not finish the key exchange within <see cref="TransportSettings.VersionExchangeTimeout"/> /
    /// <see cref="TransportSettings.KeyExchangeTimeout"/> (15 s each).</exception>
    /// <exception cref="SshConnectionException">The connection failed or closed.</exception>
    /// <exception cref="SshProtocolException">The server broke the protocol or disconnected.</exception>
    /// <exception cref="SshException">The missing host key policy refused the server (<see cref="RejectPolicy"/>).</exception>
    /// <exception cref="FormatException">The configuration has a malformed value, or a key file cannot be read.</exception>
    /// <exception cref="InvalidOperationException">This client has already connected.</exception>
    public Task ConnectAsync(string hostname, int port = 22, string? username = null, string? password = null,
        SshPrivateKey? pkey = null, IEnumerable<string>? keyFilename = null, TimeSpan? timeout = null,
        bool allowAgent = true, bool lookForKeys = true, Stream? sock = null, string? passphrase = null,
        bool compress = false, IReadOnlyDictionary<string, IEnumerable<string>>? disabledAlgorithms = null,
        bool forwardAgent = false, SshConfig? config = null, CancellationToken cancellationToken = default) =>
        ConnectCoreAsync(hostname, port, username, password, pkey, keyFilename, timeout, allowAgent, lookForKeys, sock, passphrase,
            compress, disabledAlgorithms, forwardAgent, config, direct: false, cancellationToken);

    private async Task ConnectCoreAsync(string hostname, int port, string? username, string? password, SshPrivateKey? pkey,
        IEnumerable<string>? keyFilename, TimeSpan? timeout, bool allowAgent, bool lookForKeys, Stream? sock, string? passphrase,
        bool compress, IReadOnlyDictionary<string, IEnumerable<string>>? disabledAlgorithms, bool forwardAgent, SshConfig? config,
        bool direct, CancellationToken cancellationToken)
    {
        if (_transport is not null) throw new InvalidOperationException("This client is already connected; create a new SshClient.");
        ConnectPlan plan = Plan(hostname, port, username, keyFilename, timeout, allowAgent, lookForKeys, compress, forwardAgent, config);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (plan.Timeout is { } t) timeoutSource.CancelAfter(t);
        CancellationToken token = timeoutSource.Token;
        TransportSettings settings = Settings.Clone();
        if (plan.Compress) settings.UseCompression();
        plan.Entry?.ApplyAlgorithms(settings);
        if (disabledAlgorithms is not null) settings.DisableAlgorithms(disabledAlgorithms);
        ILogger log = settings.LoggerFactory?.CreateLogger(ClientLog.Category) ?? NullLogger.Instance;
        try
        {
            if (plan.Entry is not null) ClientLog.Configured(log, hostname, plan.Host, plan.Port, plan.User);
            ClientLog.Connecting(log, plan.Host, plan.Port);
            Stream? stream = sock ?? (direct ? null : await OpenRouteAsync(plan, pkey, passphrase, log, token).ConfigureAwait(false));
            SshTransport transport = stream is not null
                ? new SshTransport(stream, settings)
                : await SshTransport.ConnectAsync(plan.Host, plan.Port, settings, plan.Timeout, token).ConfigureAwait(false);
            _transport = transport;
            string hostKeyName = plan.HostKeyName;
            PreferKnownHostKeyAlgorithms(transport.Settings, hostKeyName);
            await transport.StartClientAsync((key, _) =>
            {
                CheckHostKey(hostKeyName, key, log);
                return ValueTask.CompletedTask;
            }, token).ConfigureAwait(false);
            if (KeepaliveInterval > TimeSpan.Zero) transport.SetKeepalive(KeepaliveInterval, KeepaliveCountMax);
            await AuthenticateAsync(transport, plan, password, pkey, passphrase, token).ConfigureAwait(false);
            ClientLog.Authenticated(log, plan.Host, plan.Port, transport.AuthenticationMethod);
            if (plan.ForwardAgent)
            {
                ClientLog.ForwardingAgent(log, plan.ForwardAgentSocket ?? Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") ?? "(none)");
                transport.ForwardAgent(plan.ForwardAgentSocket);
                _forwardAgent = true;
            }
        }
        catch (OperationCanceledException) when (plan.Timeout is not null && !cancellationToken.IsCancellationRequested)
        {
            await CloseAsync().ConfigureAwait(false);
            throw new TimeoutException($"Connecting to {plan.Host}:{plan.Port} timed out after {plan.Timeout.Value.TotalSeconds:0.#} s " +
                "(TCP, key exchange and authentication together).");
        }
        catch
        {
            await CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The blocking twin of <see cref="ConnectAsync"/> (paramiko's <c>connect</c>).</summary>
    public void Connect(string hostname, int port = 22, string? username = null, string? password = null,
        SshPrivateKey? pkey = null, IEnumerable<string>? keyFilename = null, TimeSpan? timeout = null,
        bool allowAgent = true, bool lookForKeys = true, Stream? sock = null, string? passphrase = null,
        bool compress = false, IReadOnlyDictionary<string, IEnumerable<string>>? disabledAlgorithms = null,
        bool forwardAgent = false, SshConfig? config = null) =>
        ConnectAsync(hostname, port, username, password, pkey, keyFilename, timeout, allowAgent, lookForKeys, sock, passphrase,
            compress, disabledAlgorithms, forwardAgent, config).GetAwaiter().GetResult();

    /// <summary>ssh's host key check over both sets: a key (or certificate, or its CA) revoked in either is refused,
    /// then a match in either accepts, then a different key of the same type on record is a changed key; an unknown
    /// host goes to the policy, with the certified key when a host certificate could not be checked (no CA on record).</summary>
    private void CheckHostKey(string hostKeyName, SshPublicKey key, ILogger log)
    {
        if (key is SshCertificate hostCertificate && log.IsEnabled(LogLevel.Debug))
        {
            ClientLog.HostCertificate(log, hostCertificate.KeyType, hostCertificate.Key.GetFingerprint(), hostCertificate.Serial,
                hostCertificate.KeyId, hostCertificate.SignatureKey.KeyType, hostCertificate.SignatureKey.GetFingerprint(), hostCertificate.Validity);
        }
        KnownHostsMatch[] verdicts = [_systemHostKeys.CheckDetailed(hostKeyName, key), _hostKeys.CheckDetailed(hostKeyName, key)];
        if (verdicts.Any(v => v.Status == KnownHostsStatus.Revoked))
            throw new BadHostKeyException(hostKeyName, "(revoked)", key.GetFingerprint());
        if (verdicts.Any(v => v.Status == KnownHostsStatus.Match))
        {
            ClientLog.HostKeyKnown(log, hostKeyName, key.KeyType);
            return;
        }
        if (verdicts.FirstOrDefault(v => v.Status == KnownHostsStatus.Mismatch) is { } mismatch)
        {
            string type = key is SshCertificate c ? c.Key.KeyType : key.KeyType;
            SshPublicKey expected = mismatch.KnownKeys.FirstOrDefault(k => k.KeyType == type) ?? mismatch.KnownKeys[0];
            throw new BadHostKeyException(hostKeyName, expected.GetFingerprint(), key.GetFingerprint());
        }
        ClientLog.HostKeyUnknown(log, hostKeyName, _policy.GetType().Name);
        try
        {
            _policy.MissingHostKey(this, hostKeyName, key is SshCertificate certificate ? certificate.Key : key);
        }
        catch (Exception e)
        {
            ClientLog.HostKeyRefused(log, hostKeyName, e.Message);
            throw;
        }
    }

    /// <summary>ssh's <c>order_hostkeyalgs</c>: offer first the host key algorithms of the keys on record for the host
    /// (and certificates when a CA is), so the server does not pick a type we would then refuse as unknown.</summary>
    private void PreferKnownHostKeyAlgorithms(TransportSettings settings, string hostKeyName)
    {
        KnownHostEntry[] entries = [.. _systemHostKeys.LookupEntries(hostKeyName), .. _hostKeys.LookupEntries(hostKeyName)];
        IEnumerable<string> knownTypes = entries.Where(e => e.Marker == KnownHostMarker.None).Select(e => e.KeyType);
        bool caKnown = entries.Any(e => e.Marker == KnownHostMarker.CertAuthority);
        settings.HostKeyAlgorithms = HostKeyAlgorithmOrder.ForKnownHost(settings.HostKeyAlgorithms, knownTypes, caKnown);
    }

    /// <summary>Closes the transport and every channel on it (paramiko's <c>close</c>); nothing happens when not
    /// connected.</summary>
    public async Task CloseAsync()
    {
        SshTransport? transport = _transport;
        if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
        // The jump hosts carried this connection: they go after it, the last hop first.
        for (int i = _jumpClients.Count - 1; i >= 0; i--) await _jumpClients[i].CloseAsync().ConfigureAwait(false);
    }

    /// <summary>The blocking twin of <see cref="CloseAsync"/>.</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <summary>Same as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    /// <summary>Same as <see cref="CloseAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    private SshTransport RequireTransport() =>
        _transport is { IsAuthenticated: true } t ? t : throw new SshException("Not connected: call Connect first.");
}
