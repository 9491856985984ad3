using Microsoft.Extensions.Logging;

namespace Ssh.Server.Diagnostics;

/// <summary><see cref="SshServer"/>'s log events (category <c>Ssh.Server</c>): connections arriving and ending, and
/// every line of <see cref="SshServer.Log"/>. Each connection's events, the transport's included, run inside a scope
/// holding the peer's address (<c>Connection 127.0.0.1:50412</c>).</summary>
internal static partial class ServerLog
{
    public const string Category = "Ssh.Server";

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Connection from {Address} port {Port}")]
    public static partial void Connection(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "{Message}")]
    public static partial void Line(ILogger logger, string message);

    [LoggerMessage(EventId = 502, Level = LogLevel.Debug, Message = "Connection closed")]
    public static partial void Closed(ILogger logger);
}
