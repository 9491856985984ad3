using System.Globalization;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary>ssh_config beside OpenSSH's own reading of it (<c>ssh -G</c>), and ProxyJump / ProxyCommand through
/// Debian's sshd: a two-hop ProxyJump with <c>sshcs exec target-alias</c>, <c>-J</c>, the library's
/// <c>Connect(config:)</c>, and a ProxyCommand that is ssh -W itself.</summary>
[TestFixture]
public sealed class SshConfigInteropTests
{
    private const int TimeoutMs = 120_000;
    private string _dir = null!;

    [OneTimeSetUp]
    public void CreateDirectory() => _dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "ssh-config-");

    [OneTimeTearDown]
    public void RemoveDirectory() => OpenSshServer.TryDeleteDirectory(_dir);

    private string WriteConfig()
    {
        string included = Path.Combine(_dir, "conf.d");
        Directory.CreateDirectory(included);
        File.WriteAllText(Path.Combine(included, "50-db"), "Host db\n  HostName db.%h.example.com\n  User dba\n  Port 5022\n");
        File.WriteAllText(Path.Combine(included, "60-jump"), "Host *.internal !skip.internal\n  User internal\n  ProxyJump ops@bastion1,bastion2:2222\n");
        string main = Path.Combine(_dir, "config");
        File.WriteAllText(main, $"""
            Include {included}/*
            Host alias1
              HostName Real1.Example.org
              User alice
              Port 2201
              IdentityFile ~/.ssh/alias1_key
              IdentityFile /keys/%r@%h
              IdentitiesOnly yes
              ServerAliveCountMax 5
            Match host real1.example.org
              ConnectTimeout 9
              ServerAliveInterval 30
            Match originalhost alias2 user bob
              Compression yes
              ForwardAgent yes
            Host alias2
              HostName %h.example.net
              StrictHostKeyChecking accept-new
              UserKnownHostsFile ~/kh1 /tmp/kh%%2
              Ciphers aes256-ctr,aes128-ctr
              MACs hmac-sha2-512
              KexAlgorithms curve25519-sha256
              HostKeyAlgorithms ssh-ed25519,rsa-sha2-256
              HashKnownHosts yes
            Match final host *.example.net
              CertificateFile /certs/net-cert.pub
            Host proxied
              ProxyCommand ssh -W %h:%p gateway
              StrictHostKeyChecking no
            Host *
              ServerAliveInterval 60
              StrictHostKeyChecking yes
              Compression no
            """);
        return main;
    }

    /// <summary>ssh -G's answer for a host: keyword → values (identityfile and certificatefile may repeat).</summary>
    private static async Task<Dictionary<string, List<string>>> SshG(string config, string host, string? user)
    {
        var args = new List<string> { "-G", "-F", config };
        if (user is not null) args.AddRange(["-l", user]);
        args.Add(host);
        var result = await ProcessRunner.RunAsync(PeerBinaries.Ssh, args, timeout: TimeSpan.FromSeconds(30));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        var values = new Dictionary<string, List<string>>();
        foreach (string line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.IndexOf(' ');
            if (space < 0) continue;
            string key = line[..space];
            if (!values.TryGetValue(key, out var list)) values[key] = list = [];
            list.Add(line[(space + 1)..]);
        }
        return values;
    }

    [TestCase("alias1", null)]
    [TestCase("alias2", "bob")]
    [TestCase("alias2", null)]
    [TestCase("db", null)]
    [TestCase("web.internal", null)]
    [TestCase("skip.internal", "carol")]
    [TestCase("proxied", null)]
    [TestCase("elsewhere.example", null)]
    public async Task SshConfig_resolves_what_ssh_G_prints(string host, string? user)
    {
        string config = WriteConfig();
        Dictionary<string, List<string>> ssh = await SshG(config, host, user);
        SshConfigEntry ours = SshConfig.FromFile(config).Lookup(host, user);
        string One(string key) => ssh[key].Single();

        Assert.That(ours.HostName, Is.EqualTo(One("hostname")), "hostname");
        Assert.That(ours.RemoteUser, Is.EqualTo(One("user")), "user");
        Assert.That((ours.Port ?? 22).ToString(CultureInfo.InvariantCulture), Is.EqualTo(One("port")), "port");
        Assert.That((ours.ServerAliveInterval?.TotalSeconds ?? 0).ToString(CultureInfo.InvariantCulture), Is.EqualTo(One("serveraliveinterval")));
        Assert.That((ours.ServerAliveCountMax ?? 3).ToString(CultureInfo.InvariantCulture), Is.EqualTo(One("serveralivecountmax")));
        Assert.That(ours.ConnectTimeout?.TotalSeconds.ToString(CultureInfo.InvariantCulture) ?? "none", Is.EqualTo(One("connecttimeout")));
        Assert.That((ours.Compression ?? false) ? "yes" : "no", Is.EqualTo(One("compression")));
        Assert.That(ours.ForwardAgent ? "yes" : "no", Is.EqualTo(One("forwardagent")));
        Assert.That((ours.HashKnownHosts ?? false) ? "yes" : "no", Is.EqualTo(One("hashknownhosts")));
        Assert.That(ours.IdentitiesOnly ? "yes" : "no", Is.EqualTo(One("identitiesonly")));
        Assert.That(ours.StrictHostKeyChecking switch { "yes" => "true", "no" => "false", null => "ask", var s => s }, Is.EqualTo(One("stricthostkeychecking")));
        // ssh -G prints IdentityFile, CertificateFile and ProxyCommand as written (its defaults when none is set).
        if (ours.GetAll("identityfile").Count > 0) Assert.That(ours.GetAll("identityfile"), Is.EqualTo(ssh["identityfile"]), "identityfile");
        Assert.That(ours.GetAll("certificatefile"), Is.EqualTo(ssh.GetValueOrDefault("certificatefile") ?? []), "certificatefile");
        Assert.That(ours["proxycommand"], Is.EqualTo(ssh.GetValueOrDefault("proxycommand")?.Single()), "proxycommand");
        Assert.That(ours.ProxyJump is null ? null : string.Join(',', ours.ProxyJump), Is.EqualTo(ssh.GetValueOrDefault("proxyjump")?.Single()), "proxyjump");
        if (ours.UserKnownHostsFiles.Count > 0) Assert.That(string.Join(' ', ours.UserKnownHostsFiles), Is.EqualTo(One("userknownhostsfile")));
        foreach (string list in new[] { "ciphers", "macs", "kexalgorithms", "hostkeyalgorithms" })
        {
            if (ours[list] is { } value) Assert.That(value, Is.EqualTo(One(list)), list);
        }
    }

    /// <summary>Three sshd on loopback: two jump hosts and the target, each known by its own port.</summary>
    private sealed class Hops : IAsyncDisposable
    {
        public required ServerTarget First { get; init; }
        public required ServerTarget Second { get; init; }
        public required ServerTarget Target { get; init; }
        public required string Config { get; init; }

        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
            await Target.DisposeAsync();
        }
    }

    private async Task<Hops> StartHopsAsync(CancellationToken cancellationToken, string extraTarget = "")
    {
        if (ServerTarget.ExternalConfigured) Assert.Ignore("Needs three local sshd instances.");
        var first = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        var second = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        var target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        string knownHosts = Path.Combine(_dir, $"known_hosts_{target.Port}");
        await File.WriteAllLinesAsync(knownHosts, new[] { first, second, target }.Select(t => $"[{t.Host}]:{t.Port} {t.HostPublicKey}"), cancellationToken);
        string Host(string alias, ServerTarget t) => $"""
            Host {alias}
              HostName {t.Host}
              Port {t.Port}
              User {t.UserName}
              IdentityFile {t.KeyPath}
              IdentitiesOnly yes
            """;
        string config = Path.Combine(_dir, $"hops_{target.Port}");
        await File.WriteAllTextAsync(config, $"""
            {Host("hop1", first)}
            {Host("hop2", second)}
              ProxyJump hop1
            {Host("target-alias", target)}
              ProxyJump hop1,hop2
            {extraTarget}
            Host *
              UserKnownHostsFile {knownHosts}
              StrictHostKeyChecking yes
            """, cancellationToken);
        return new Hops { First = first, Second = second, Target = target, Config = config };
    }

    private static void AssertWentThrough(Hops hops)
    {
        // Each jump host opened a direct-tcpip channel to the next, and the target let the user in.
        Assert.That(hops.First.LogTail(600), Does.Contain($"to 127.0.0.1 port {hops.Second.Port}"), "hop 1 forwarded to hop 2");
        Assert.That(hops.Second.LogTail(600), Does.Contain($"to 127.0.0.1 port {hops.Target.Port}"), "hop 2 forwarded to the target");
        Assert.That(hops.Target.LogTail(600), Does.Contain($"Accepted publickey for {hops.Target.UserName}"));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sshcs_exec_reaches_an_alias_through_a_two_hop_ProxyJump(CancellationToken cancellationToken)
    {
        await using Hops hops = await StartHopsAsync(cancellationToken);
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", "-F", hops.Config, "target-alias", "echo reached:$(whoami)"],
            timeout: TimeSpan.FromSeconds(90), cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe() + hops.First.LogTail() + hops.Second.LogTail());
        Assert.That(result.Stdout, Is.EqualTo($"reached:{hops.Target.UserName}\n"));
        AssertWentThrough(hops);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Sshcs_exec_J_takes_the_hops_from_the_command_line(CancellationToken cancellationToken)
    {
        await using Hops hops = await StartHopsAsync(cancellationToken);
        var result = await ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(),
            [SshcsServerProcess.CliPath(), "exec", "-F", hops.Config, "-J", "hop1,hop2", "-i", hops.Target.KeyPath,
             "-p", hops.Target.Port.ToString(), $"{hops.Target.UserName}@127.0.0.1", "echo via-J"],
            timeout: TimeSpan.FromSeconds(90), cancellationToken: cancellationToken);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe());
        Assert.That(result.Stdout, Is.EqualTo("via-J\n"));
        AssertWentThrough(hops);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Connect_with_a_config_follows_ProxyJump_and_closes_the_hops_with_it(CancellationToken cancellationToken)
    {
        await using Hops hops = await StartHopsAsync(cancellationToken);
        var client = new SshClient();
        await client.ConnectAsync("target-alias", config: SshConfig.FromFile(hops.Config), cancellationToken: cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "echo $SSH_CONNECTION", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Does.EndWith($" {hops.Target.Port}\n"));
        AssertWentThrough(hops);
        await client.DisposeAsync();
        for (int i = 0; i < 50 && !hops.First.LogTail(200).Contains("Connection closed", StringComparison.Ordinal); i++) await Task.Delay(100, cancellationToken);
        Assert.That(hops.First.LogTail(200), Does.Contain("Connection closed").Or.Contain("Disconnected"), "the first hop's connection ended too");
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_ProxyCommand_carries_the_connection(CancellationToken cancellationToken)
    {
        await using Hops hops = await StartHopsAsync(cancellationToken);
        string proxyCommand = $"ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR " +
                              $"-i {hops.First.KeyPath} -p {hops.First.Port} -W %h:%p {hops.First.UserName}@127.0.0.1";
        string config = hops.Config + ".proxycommand";
        await File.WriteAllTextAsync(config, $"""
            Host via-command
              HostName 127.0.0.1
              Port {hops.Target.Port}
              User {hops.Target.UserName}
              IdentityFile {hops.Target.KeyPath}
              ProxyCommand {proxyCommand}
            Include {hops.Config}
            """, cancellationToken);
        await using var client = new SshClient();
        await client.ConnectAsync("via-command", config: SshConfig.FromFile(config), cancellationToken: cancellationToken);
        var result = await ClientTestSupport.ExecAsync(client, "echo proxied", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText, Is.EqualTo("proxied\n"));
        Assert.That(hops.First.LogTail(600), Does.Contain($"to 127.0.0.1 port {hops.Target.Port}"));
    }
}
