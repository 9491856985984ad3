using Microsoft.Extensions.Logging;

namespace Ssh.Client.Diagnostics;

/// <summary><see cref="SshClient"/>'s log events (category <c>Ssh.Client</c>): where it connects, what it decided
/// about the host key, and how it authenticated. The transport's own events come from the same
/// <see cref="Ssh.Transport.TransportSettings.LoggerFactory"/>.</summary>
internal static partial class ClientLog
{
    public const string Category = "Ssh.Client";

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Connecting to {Host} port {Port}")]
    public static partial void Connecting(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "Host '{Host}' is known and matches the {KeyType} host key")]
    public static partial void HostKeyKnown(ILogger logger, string host, string keyType);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "Host '{Host}' is not in known_hosts; asking the missing host key policy ({Policy})")]
    public static partial void HostKeyUnknown(ILogger logger, string host, string policy);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Host key for '{Host}' refused: {Message}")]
    public static partial void HostKeyRefused(ILogger logger, string host, string message);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Authenticated to {Host} port {Port} using \"{Method}\"")]
    public static partial void Authenticated(ILogger logger, string host, int port, string? method);

    [LoggerMessage(EventId = 405, Level = LogLevel.Debug, Message = "Authentication methods the server allows: {Methods}")]
    public static partial void Allowed(ILogger logger, string methods);

    [LoggerMessage(EventId = 406, Level = LogLevel.Debug, Message = "Configuration for '{Alias}': HostName {HostName}, Port {Port}, User {User}")]
    public static partial void Configured(ILogger logger, string alias, string hostName, int port, string user);

    [LoggerMessage(EventId = 407, Level = LogLevel.Debug, Message = "Executing proxy command: {Program} ... (its arguments are not logged)")]
    public static partial void ProxyCommand(ILogger logger, string program);

    [LoggerMessage(EventId = 408, Level = LogLevel.Debug, Message = "Jump host {Hop} of {Count}: {Jump}")]
    public static partial void Jump(ILogger logger, int hop, int count, string jump);

    [LoggerMessage(EventId = 409, Level = LogLevel.Debug,
        Message = "Server host certificate: {KeyType} {Fingerprint}, serial {Serial} ID \"{KeyId}\" CA {CaType} {CaFingerprint} valid {Validity}")]
    public static partial void HostCertificate(ILogger logger, string keyType, string fingerprint, ulong serial, string keyId, string caType,
        string caFingerprint, string validity);

    [LoggerMessage(EventId = 410, Level = LogLevel.Debug, Message = "Requesting authentication agent forwarding (agent at {Socket})")]
    public static partial void ForwardingAgent(ILogger logger, string socket);
}
