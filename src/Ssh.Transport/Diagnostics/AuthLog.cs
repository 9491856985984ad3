using Microsoft.Extensions.Logging;

namespace Ssh.Transport.Diagnostics;

/// <summary>
/// User authentication's log events (category <c>Ssh.Auth</c>), both sides: each method tried and its result. The
/// user name a client sends is stripped of control characters first. Never a password, a passphrase, a private key or
/// a signature: a public key appears as its type and SHA-256 fingerprint only.
/// </summary>
internal static partial class AuthLog
{
    public const string Category = "Ssh.Auth";

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "SSH2_MSG_SERVICE_ACCEPT received ({Service})")]
    public static partial void ServiceAccepted(ILogger logger, string service);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Next authentication method: {Method} (user {User})")]
    public static partial void Trying(ILogger logger, string method, string user);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Offering public key: {KeyType} {Fingerprint} ({Algorithm})")]
    public static partial void OfferingKey(ILogger logger, string keyType, string fingerprint, string algorithm);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Server accepts key: {KeyType} {Fingerprint}; signing")]
    public static partial void KeyAccepted(ILogger logger, string keyType, string fingerprint);

    [LoggerMessage(EventId = 204, Level = LogLevel.Debug, Message = "Authentications that can continue: {Methods}{Partial}")]
    private static partial void CanContinue(ILogger logger, string methods, string partial);

    public static void CanContinue(ILogger logger, IReadOnlyList<string> methods, bool partial)
    {
        if (logger.IsEnabled(LogLevel.Debug)) CanContinue(logger, string.Join(',', methods), partial ? " (partial success)" : "");
    }

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Authenticated as {User} using {Method}")]
    public static partial void Succeeded(ILogger logger, string user, string method);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Keyboard-interactive: {PromptCount} prompt(s) from the server")]
    public static partial void InteractivePrompts(ILogger logger, int promptCount);

    [LoggerMessage(EventId = 207, Level = LogLevel.Debug, Message = "Banner from the server ({Length} characters)")]
    public static partial void Banner(ILogger logger, int length);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Authentication request: user {User}, method {Method}")]
    public static partial void Request(ILogger logger, string user, string method);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Accepted {Method} for {User}")]
    public static partial void Accepted(ILogger logger, string method, string user);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Failed {Method} for {User}")]
    public static partial void Failed(ILogger logger, string method, string user);

    [LoggerMessage(EventId = 213, Level = LogLevel.Debug, Message = "Public key query for {User}: {KeyType} {Fingerprint} is {Verdict}")]
    public static partial void KeyQuery(ILogger logger, string user, string keyType, string fingerprint, string verdict);

    [LoggerMessage(EventId = 214, Level = LogLevel.Debug, Message = "Partial success for {User} with {Method}")]
    public static partial void Partial(ILogger logger, string user, string method);
}
