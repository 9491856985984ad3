using System.Globalization;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Server.Sessions;

/// <summary>
/// What an authenticated connection may do, from the authorized_keys options of the key that logged in and the
/// critical options and extensions of its certificate (sshd's <c>sshauthopt</c>): a forced command, whether a pty,
/// port forwarding, agent forwarding, X11 and <c>~/.ssh/rc</c> are allowed, where forwards may go, and the
/// environment the key sets. A password login is <see cref="Unrestricted"/>.
/// </summary>
public sealed class SessionPermissions
{
    /// <summary>Everything allowed, no forced command: a password login, or a key without options.</summary>
    public static SessionPermissions Unrestricted { get; } = new();

    /// <summary>The command that runs instead of whatever the client asks for (exec, shell or subsystem); the asked
    /// command is in <c>SSH_ORIGINAL_COMMAND</c>. Null: none.</summary>
    public string? ForceCommand { get; init; }

    /// <summary>Whether a pseudo-terminal may be allocated.</summary>
    public bool Pty { get; init; } = true;

    /// <summary>Whether port forwarding (TCP and Unix sockets, both ways) is allowed.</summary>
    public bool PortForwarding { get; init; } = true;

    /// <summary>Whether agent forwarding is allowed.</summary>
    public bool AgentForwarding { get; init; } = true;

    /// <summary>Whether X11 forwarding is allowed (this server does not offer X11 either way).</summary>
    public bool X11Forwarding { get; init; } = true;

    /// <summary>Whether <c>~/.ssh/rc</c> may run (this server does not run it either way).</summary>
    public bool UserRc { get; init; } = true;

    /// <summary><c>host:port</c> destinations local forwards may reach (port <c>*</c> for any); empty for any.</summary>
    public IReadOnlyList<string> PermitOpen { get; init; } = [];

    /// <summary><c>[host:]port</c> listeners remote forwards may open (host patterns, port <c>*</c>); empty for any.</summary>
    public IReadOnlyList<string> PermitListen { get; init; } = [];

    /// <summary>Variables the key's <c>environment=</c> options set (only kept where the accounts permit it).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    /// <summary>What granted these permissions, for logs (<c>authorized_keys line 3</c>, <c>certificate ID "x"</c>).</summary>
    public string Source { get; init; } = "";

    /// <summary>The permissions of an authorized_keys line.</summary>
    /// <param name="options">The line's options.</param>
    /// <param name="permitEnvironment">Whether its <c>environment=</c> options apply (sshd's PermitUserEnvironment).</param>
    /// <param name="source">For logs.</param>
    public static SessionPermissions FromKeyOptions(AuthorizedKeyOptions options, bool permitEnvironment, string source = "") => new()
    {
        ForceCommand = options.Command,
        Pty = options.PermitPty,
        PortForwarding = options.PermitPortForwarding,
        AgentForwarding = options.PermitAgentForwarding,
        X11Forwarding = options.PermitX11Forwarding,
        UserRc = options.PermitUserRc,
        PermitOpen = options.PermitOpen,
        PermitListen = options.PermitListen,
        Environment = permitEnvironment ? options.Environment : [],
        Source = source,
    };

    /// <summary>The permissions a user certificate grants: its extensions (<c>permit-pty</c>, ...) and its
    /// <c>force-command</c> (PROTOCOL.certkeys).</summary>
    public static SessionPermissions FromCertificate(SshCertificate certificate) => new()
    {
        ForceCommand = certificate.ForceCommand,
        Pty = certificate.HasExtension("permit-pty"),
        PortForwarding = certificate.HasExtension("permit-port-forwarding"),
        AgentForwarding = certificate.HasExtension("permit-agent-forwarding"),
        X11Forwarding = certificate.HasExtension("permit-X11-forwarding"),
        UserRc = certificate.HasExtension("permit-user-rc"),
        Source = $"certificate ID \"{certificate.KeyId}\" (serial {certificate.Serial})",
    };

    /// <summary>The most restrictive union of two sets (a certificate under an authorized_keys <c>cert-authority</c>
    /// line, as sshd(8) says): each permission only if both grant it, forward lists narrowed, both forced commands
    /// only if they are the same. Null when the two forced commands differ: the key is then refused.</summary>
    public SessionPermissions? Intersect(SessionPermissions other)
    {
        if (ForceCommand is not null && other.ForceCommand is not null && ForceCommand != other.ForceCommand) return null;
        return new SessionPermissions
        {
            ForceCommand = ForceCommand ?? other.ForceCommand,
            Pty = Pty && other.Pty,
            PortForwarding = PortForwarding && other.PortForwarding,
            AgentForwarding = AgentForwarding && other.AgentForwarding,
            X11Forwarding = X11Forwarding && other.X11Forwarding,
            UserRc = UserRc && other.UserRc,
            PermitOpen = Narrow(PermitOpen, other.PermitOpen),
            PermitListen = Narrow(PermitListen, other.PermitListen),
            Environment = [.. Environment, .. other.Environment],
            Source = string.Join(" and ", new[] { Source, other.Source }.Where(s => s.Length > 0)),
        };
    }

    // Empty means any: the narrower of two lists is the non-empty one, or their common entries when both are set.
    private static IReadOnlyList<string> Narrow(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.Count == 0 ? b : b.Count == 0 ? a : a.Intersect(b, StringComparer.OrdinalIgnoreCase).DefaultIfEmpty("none:0").ToArray();

    /// <summary>Whether a local forward (direct-tcpip) to <paramref name="host"/>:<paramref name="port"/> is allowed:
    /// <see cref="PortForwarding"/>, and a <see cref="PermitOpen"/> entry naming the host (literally, case-insensitive)
    /// and the port (or <c>*</c>) when there are any.</summary>
    public bool AllowsOpen(string host, int port) =>
        PortForwarding && (PermitOpen.Count == 0 || PermitOpen.Any(entry => EntryMatches(entry, host, port, hostPatterns: false)));

    /// <summary>Whether a remote forward listening on <paramref name="host"/>:<paramref name="port"/> is allowed:
    /// <see cref="PortForwarding"/>, and a <see cref="PermitListen"/> entry for the port (a host pattern, when the
    /// entry has one) when there are any.</summary>
    public bool AllowsListen(string host, int port) =>
        PortForwarding && (PermitListen.Count == 0 || PermitListen.Any(entry => EntryMatches(entry, host, port, hostPatterns: true)));

    private static bool EntryMatches(string entry, string host, int port, bool hostPatterns)
    {
        if (!AuthorizedKeyOptions.TrySplitHostPort(entry, out string? entryHost, out string entryPort)) return false;
        bool portMatches = entryPort == "*" || (int.TryParse(entryPort, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p == port);
        if (!portMatches) return false;
        if (entryHost is null) return true;
        return hostPatterns ? SshPattern.Matches(entryHost, host, ignoreCase: true) : string.Equals(entryHost, host, StringComparison.OrdinalIgnoreCase);
    }
}
