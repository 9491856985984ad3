using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Ssh.Client.Diagnostics;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Client;

public sealed partial class SshClient
{
    /// <summary>The clients of the jump hosts this connection goes through (ProxyJump), closed with it.</summary>
    private readonly List<SshClient> _jumpClients = [];

    /// <summary>What one connect will do, from its arguments and, where they leave a choice, the ssh_config entry
    /// for the host, as ssh weighs them: an explicit argument beats the configuration, the configuration beats
    /// the defaults.</summary>
    private sealed class ConnectPlan
    {
        public required string Host { get; init; }
        public required int Port { get; init; }
        public required string User { get; init; }
        public string? HostKeyAlias { get; init; }
        public IEnumerable<string>? KeyFiles { get; init; }
        public IReadOnlyList<SshCertificate> Certificates { get; init; } = [];
        public TimeSpan? Timeout { get; init; }
        public bool Compress { get; init; }
        public bool AllowAgent { get; init; }
        public string? AgentSocket { get; init; }
        public bool LookForKeys { get; init; }
        public bool IdentitiesOnly { get; init; }
        public bool ForwardAgent { get; init; }
        public string? ForwardAgentSocket { get; init; }
        public IReadOnlyList<string>? ProxyJump { get; init; }
        public string? ProxyCommand { get; init; }
        public SshConfigEntry? Entry { get; init; }
        public SshConfig? Config { get; init; }

        public string HostKeyName => HostKeyAlias ?? (Port == 22 ? Host : $"[{Host}]:{Port}");
    }

    private ConnectPlan Plan(string hostname, int port, string? username, IEnumerable<string>? keyFilename, TimeSpan? timeout,
        bool allowAgent, bool lookForKeys, bool compress, bool forwardAgent, SshConfig? config)
    {
        if (config is null)
        {
            return new ConnectPlan
            {
                Host = hostname, Port = port, User = username ?? Environment.UserName, KeyFiles = keyFilename, Timeout = timeout,
                Compress = compress, AllowAgent = allowAgent, LookForKeys = lookForKeys, ForwardAgent = forwardAgent,
            };
        }
        SshConfigEntry entry = config.Lookup(hostname, username);
        ApplyHostKeyOptions(entry);
        if (KeepaliveInterval == TimeSpan.Zero && entry.ServerAliveInterval is { } interval) KeepaliveInterval = interval;
        if (entry.ServerAliveCountMax is { } countMax) KeepaliveCountMax = countMax;
        IReadOnlyList<string> configured = entry.IdentityFiles;
        string? identityAgent = entry.IdentityAgent;
        return new ConnectPlan
        {
            Host = entry.HostName,
            Port = port != 22 ? port : entry.Port ?? 22,
            User = entry.RemoteUser,
            HostKeyAlias = entry["hostkeyalias"],
            // ssh skips configured identity files that do not exist; explicit ones must.
            KeyFiles = keyFilename ?? configured.Where(File.Exists).ToArray(),
            Certificates = entry.CertificateFiles.Where(File.Exists).Select(LoadCertificate).ToArray(),
            Timeout = timeout ?? entry.ConnectTimeout,
            Compress = compress || (entry.Compression ?? false),
            AllowAgent = allowAgent && identityAgent != "",
            AgentSocket = identityAgent is { Length: > 0 } ? identityAgent : null,
            LookForKeys = lookForKeys && configured.Count == 0 && !entry.IdentitiesOnly,
            IdentitiesOnly = entry.IdentitiesOnly,
            ForwardAgent = forwardAgent || entry.ForwardAgent,
            ForwardAgentSocket = entry.ForwardAgentSocket,
            ProxyJump = entry.ProxyJump,
            // ParseUntrusted's text runs no command here, and a ProxyCommand is one.
            ProxyCommand = config.Untrusted && entry.ProxyCommand is not null
                ? throw new FormatException($"ssh config: ProxyCommand for {hostname} is not run: the configuration was read with SshConfig.ParseUntrusted.")
                : entry.ProxyCommand,
            Entry = entry,
            Config = config,
        };
    }

    private static SshCertificate LoadCertificate(string path) =>
        PublicKeyFile.Load(path).Key as SshCertificate ?? throw new FormatException($"{path}: CertificateFile holds a plain key, not a certificate.");

    /// <summary>UserKnownHostsFile (the first is where new keys go), HashKnownHosts and StrictHostKeyChecking, unless
    /// the application chose a policy itself.</summary>
    private void ApplyHostKeyOptions(SshConfigEntry entry)
    {
        IReadOnlyList<string> files = entry.UserKnownHostsFiles;
        if (files.Count > 0 && HostKeysFilename is null)
        {
            if (files[0] != "/dev/null") LoadHostKeys(files[0]);
            foreach (string other in files.Skip(1).Where(f => f != "/dev/null" && File.Exists(f))) _systemHostKeys.Load(other);
        }
        if (entry.HashKnownHosts is { } hash) _hostKeys.HashHostNames = hash;
        if (!_policyChosen && entry.StrictHostKeyChecking is { } strict)
        {
            // "no" and "accept-new" add unknown hosts; a changed key is refused either way (ssh's "no" would let it
            // through with password authentication off; a library does not). "ask" cannot ask: it refuses.
            _policy = strict is "no" or "accept-new" ? new AutoAddPolicy() : new RejectPolicy();
        }
    }

    /// <summary>The stream to the server when it is not a plain TCP connection: a ProxyCommand's standard input and
    /// output, or a direct-tcpip channel through the last of the ProxyJump hosts (each reached through the ones
    /// before it, each checked against the same known hosts). Null for a direct connection.</summary>
    private async Task<Stream?> OpenRouteAsync(ConnectPlan plan, SshPrivateKey? pkey, string? passphrase, ILogger log,
        CancellationToken cancellationToken)
    {
        if (plan.ProxyCommand is { } command)
        {
            // Only the program: like a remote command line, the rest may carry what should not reach a log.
            ClientLog.ProxyCommand(log, command.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "");
            return new ProxyCommandStream(command);
        }
        if (plan.ProxyJump is not { Count: > 0 } hops) return null;
        Stream? via = null;
        for (int i = 0; i < hops.Count; i++)
        {
            (string? user, string host, int? port) = SshConfig.ParseJumpHost(hops[i]);
            ClientLog.Jump(log, i + 1, hops.Count, hops[i]);
            var hop = new SshClient(this);
            _jumpClients.Add(hop);
            SshConfig config = plan.Config ?? SshConfig.Parse("");
            // The chain, not the hop's own ProxyJump, decides how the hop is reached.
            await hop.ConnectCoreAsync(host, port ?? 22, user, null, pkey, null, plan.Timeout, true, true, via, passphrase, false, null,
                false, config, direct: true, cancellationToken).ConfigureAwait(false);
            (string nextHost, int nextPort) = i + 1 < hops.Count ? HostPortOf(hops[i + 1], config) : (plan.Host, plan.Port);
            Channel channel = await hop.RequireTransport().OpenChannelAsync(ChannelTypes.DirectTcpip, new DnsEndPoint(nextHost, nextPort),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            via = channel.AsStream();
        }
        return via;
    }

    /// <summary>Where a hop's config sends a connection to it: its HostName and Port.</summary>
    private static (string Host, int Port) HostPortOf(string hop, SshConfig config)
    {
        (string? user, string host, int? port) = SshConfig.ParseJumpHost(hop);
        SshConfigEntry entry = config.Lookup(host, user);
        return (entry.HostName, port ?? entry.Port ?? 22);
    }

    /// <summary>A client for a jump host: the same host key sets, policy, settings and keepalives as this one.</summary>
    private SshClient(SshClient parent)
    {
        _systemHostKeys = parent._systemHostKeys;
        _hostKeys = parent._hostKeys;
        _policy = parent._policy;
        _policyChosen = true;
        HostKeysFilename = parent.HostKeysFilename;
        Settings = parent.Settings;
        KeepaliveInterval = parent.KeepaliveInterval;
        KeepaliveCountMax = parent.KeepaliveCountMax;
    }
}
