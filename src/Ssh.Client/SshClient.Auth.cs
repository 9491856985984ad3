using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Client;

public sealed partial class SshClient
{
    private static readonly string[] DefaultKeyFiles = ["id_ed25519", "id_ecdsa", "id_rsa"];

    /// <summary>paramiko's order: the given key, key files, the agent's keys, default keys in ~/.ssh, then the
    /// password. The "none" request first learns which methods the server allows, so we never offer a method it
    /// refuses.</summary>
    private static async Task AuthenticateAsync(SshTransport transport, ConnectPlan plan, string? password, SshPrivateKey? pkey,
        string? passphrase, CancellationToken cancellationToken)
    {
        string username = plan.User;
        IEnumerable<string>? keyFilenames = plan.KeyFiles;
        bool lookForKeys = plan.LookForKeys;
        IReadOnlyList<SshCertificate> certificates = plan.Certificates;
        IReadOnlyList<string> allowed = await transport.AuthNoneAsync(username, cancellationToken).ConfigureAwait(false);
        if (transport.IsAuthenticated) return;

        AuthenticationException? lastError = null;
        await using SshAgentClient? agent = plan.AllowAgent && allowed.Contains("publickey")
            ? await SshAgentClient.ConnectAsync(plan.AgentSocket, cancellationToken).ConfigureAwait(false)
            : null;
        IReadOnlyList<SshPrivateKey> agentKeys = agent is null ? [] : await agent.GetKeysAsync(cancellationToken).ConfigureAwait(false);
        if (plan.IdentitiesOnly) agentKeys = OnlyIdentities(agentKeys, keyFilenames ?? [], certificates);
        if (allowed.Contains("publickey"))
        {
            foreach (SshPrivateKey key in CandidateKeys(pkey, keyFilenames, agentKeys, lookForKeys, password, passphrase, certificates))
            {
                try
                {
                    await transport.AuthPublicKeyAsync(username, key, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (AuthenticationException e)
                {
                    lastError = e;
                    allowed = e.AllowedMethods;
                }
            }
        }
        if (password is not null && allowed.Contains("password"))
        {
            try
            {
                await transport.AuthPasswordAsync(username, password, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AuthenticationException e)
            {
                lastError = e;
            }
        }
        // paramiko's fallback: a server that takes no "password" but does take keyboard-interactive (PAM, typically)
        // gets the password as the answer to its single prompt.
        if (password is not null && !allowed.Contains("password") && allowed.Contains("keyboard-interactive"))
        {
            try
            {
                await transport.AuthInteractiveAsync(username, query => query.Prompts.Count switch
                {
                    0 => [],
                    1 => [password],
                    _ => throw new AuthenticationException(
                        $"The server asks {query.Prompts.Count} keyboard-interactive questions; a password answers only one.", allowed),
                }, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AuthenticationException e)
            {
                lastError = e;
            }
        }
        if (lastError is not null) throw lastError;
        throw new BadAuthenticationTypeException(
            $"No authentication method we could try is allowed for {username}. The server allows: {string.Join(", ", allowed)}.", allowed);
    }

    private static IEnumerable<SshPrivateKey> CandidateKeys(SshPrivateKey? pkey, IEnumerable<string>? keyFilenames,
        IReadOnlyList<SshPrivateKey> agentKeys, bool lookForKeys, string? password, string? passphrase, IReadOnlyList<SshCertificate> certificates)
    {
        var offered = new HashSet<SshPublicKey>();
        IEnumerable<SshPrivateKey> Unique(IEnumerable<SshPrivateKey> keys) => keys.Where(k => offered.Add(k.PublicKey));
        if (pkey is not null)
        {
            foreach (SshPrivateKey key in Unique(WithCertificates(pkey, null, certificates))) yield return key;
        }
        foreach (string file in keyFilenames ?? [])
        {
            foreach (SshPrivateKey key in Unique(WithCertificates(SshPrivateKey.FromFile(file, passphrase ?? password), file, certificates)))
                yield return key;
        }
        foreach (SshPrivateKey agentKey in agentKeys)
        {
            foreach (SshPrivateKey key in Unique(WithCertificates(agentKey, null, certificates))) yield return key;
        }
        if (!lookForKeys) yield break;
        string sshDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        foreach (string name in DefaultKeyFiles)
        {
            string path = Path.Combine(sshDir, name);
            if (!File.Exists(path)) continue;
            SshPrivateKey? loaded = TryLoad(path, passphrase ?? password);
            if (loaded is null) continue;
            foreach (SshPrivateKey key in Unique(WithCertificates(loaded, path, certificates))) yield return key;
        }
    }

    /// <summary>ssh's IdentitiesOnly: of the agent's keys, only those the configured identities name (their .pub, or
    /// their certificates) are tried.</summary>
    private static IReadOnlyList<SshPrivateKey> OnlyIdentities(IReadOnlyList<SshPrivateKey> agentKeys, IEnumerable<string> files,
        IReadOnlyList<SshCertificate> certificates)
    {
        var wanted = new HashSet<SshPublicKey>(certificates.Select(c => c.Key));
        foreach (string file in files)
        {
            foreach (string candidate in new[] { file + ".pub", file + "-cert.pub" })
            {
                if (!File.Exists(candidate)) continue;
                try
                {
                    SshPublicKey key = PublicKeyFile.Load(candidate).Key;
                    wanted.Add(key is SshCertificate c ? c.Key : key);
                }
                catch (FormatException)
                {
                    // Not a key: it names nothing.
                }
            }
        }
        return agentKeys.Where(k => wanted.Contains(k.PublicKey is SshCertificate c ? c.Key : k.PublicKey)).ToArray();
    }

    /// <summary>The key presented with each certificate of it (ssh's <c>id_ed25519-cert.pub</c> beside the key file,
    /// and CertificateFile), then the key alone, as ssh offers them.</summary>
    private static IEnumerable<SshPrivateKey> WithCertificates(SshPrivateKey key, string? keyPath, IReadOnlyList<SshCertificate> certificates)
    {
        if (key.PublicKey is not SshCertificate)
        {
            var matching = certificates.Where(c => c.Key.Equals(key.PublicKey)).ToList();
            if (keyPath is not null && TryLoadCertificate(keyPath + "-cert.pub") is { } beside && beside.Key.Equals(key.PublicKey))
                matching.Insert(0, beside);
            foreach (SshCertificate certificate in matching.Distinct()) yield return key.WithCertificate(certificate);
        }
        yield return key;
    }

    /// <summary>A certificate file beside a key; one that is missing or unreadable is skipped, as ssh does.</summary>
    private static SshCertificate? TryLoadCertificate(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return PublicKeyFile.Load(path).Key as SshCertificate;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Default key files that cannot be used (an unsupported type, a passphrase we lack) are skipped,
    /// as OpenSSH does.</summary>
    private static SshPrivateKey? TryLoad(string path, string? passphrase)
    {
        try
        {
            return SshPrivateKey.FromFile(path, passphrase);
        }
        catch (Exception e) when (e is FormatException or SshException or NotSupportedException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
