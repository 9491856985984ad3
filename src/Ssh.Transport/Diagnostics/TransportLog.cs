using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Messages;

namespace Ssh.Transport.Diagnostics;

/// <summary>
/// The transport's log events (category <c>Ssh.Transport</c>): version exchange, KEXINIT offers, the negotiated
/// algorithms, the server's host key, NEWKEYS, re-keying and how the connection ended. Source-generated, so an event
/// whose level is off costs one <see cref="ILogger.IsEnabled"/> call and allocates nothing; none is on the packet path.
/// Never a secret: no key, no shared secret, no exchange hash, no password, no payload.
/// </summary>
internal static partial class TransportLog
{
    public const string Category = "Ssh.Transport";

    /// <summary>The logger of <paramref name="category"/> from the settings' factory, or the null logger.</summary>
    public static ILogger Create(TransportSettings settings, string category) =>
        settings.LoggerFactory?.CreateLogger(category) ?? NullLogger.Instance;

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Local version string {LocalVersion}")]
    public static partial void LocalVersion(ILogger logger, string localVersion);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Remote version string {RemoteVersion}")]
    public static partial void RemoteVersion(ILogger logger, string remoteVersion);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "SSH2_MSG_KEXINIT sent (key exchange {Number}, {Initiator})")]
    public static partial void KexInitSent(ILogger logger, int number, string initiator);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "SSH2_MSG_KEXINIT received")]
    public static partial void KexInitReceived(ILogger logger);

    [LoggerMessage(EventId = 112, Level = LogLevel.Trace,
        Message = "{Side} KEXINIT proposal: KEX algorithms: {Kex}; host key algorithms: {HostKeys}; ciphers ctos: {CiphersClientToServer}; " +
                  "ciphers stoc: {CiphersServerToClient}; MACs ctos: {MacsClientToServer}; MACs stoc: {MacsServerToClient}; " +
                  "compression ctos: {CompressionClientToServer}; compression stoc: {CompressionServerToClient}; first_kex_follows {FirstKexFollows}")]
    private static partial void Proposal(ILogger logger, string side, string kex, string hostKeys, string ciphersClientToServer,
        string ciphersServerToClient, string macsClientToServer, string macsServerToClient, string compressionClientToServer,
        string compressionServerToClient, bool firstKexFollows);

    /// <summary>One KEXINIT's name-lists, as <c>ssh -vv</c> prints them ("local client KEXINIT proposal").</summary>
    public static void Proposal(ILogger logger, string side, KexInitMessage init)
    {
        if (!logger.IsEnabled(LogLevel.Trace)) return;
        Proposal(logger, side, Join(init.KexAlgorithms), Join(init.ServerHostKeyAlgorithms), Join(init.CiphersClientToServer),
            Join(init.CiphersServerToClient), Join(init.MacsClientToServer), Join(init.MacsServerToClient),
            Join(init.CompressionClientToServer), Join(init.CompressionServerToClient), init.FirstKexPacketFollows);

        static string Join(string[] names) => string.Join(',', names);
    }

    [LoggerMessage(EventId = 113, Level = LogLevel.Debug,
        Message = "kex: algorithm: {Kex}; host key algorithm: {HostKeyAlgorithm}; client->server cipher: {CipherClientToServer} " +
                  "MAC: {MacClientToServer} compression: {CompressionClientToServer}; server->client cipher: {CipherServerToClient} " +
                  "MAC: {MacServerToClient} compression: {CompressionServerToClient}")]
    private static partial void Negotiated(ILogger logger, string kex, string hostKeyAlgorithm, string cipherClientToServer,
        string macClientToServer, string compressionClientToServer, string cipherServerToClient, string macServerToClient,
        string compressionServerToClient);

    /// <summary>The algorithms both sides agreed on (ssh's <c>kex: algorithm:</c> lines).</summary>
    public static void Negotiated(ILogger logger, NegotiatedAlgorithms n) =>
        Negotiated(logger, n.Kex, n.HostKey, n.CipherClientToServer, n.MacClientToServer ?? "<implicit>", n.CompressionClientToServer,
            n.CipherServerToClient, n.MacServerToClient ?? "<implicit>", n.CompressionServerToClient);

    [LoggerMessage(EventId = 114, Level = LogLevel.Debug, Message = "Strict KEX (OpenSSH PROTOCOL §1.10, the Terrapin countermeasure): {Strict}")]
    public static partial void StrictKex(ILogger logger, bool strict);

    [LoggerMessage(EventId = 115, Level = LogLevel.Debug, Message = "Server host key: {KeyType} {Fingerprint}")]
    public static partial void ServerHostKey(ILogger logger, string keyType, string fingerprint);

    [LoggerMessage(EventId = 116, Level = LogLevel.Debug, Message = "Signing the exchange hash with host key {KeyType} {Fingerprint} ({Algorithm})")]
    public static partial void HostKeyUsed(ILogger logger, string keyType, string fingerprint, string algorithm);

    [LoggerMessage(EventId = 117, Level = LogLevel.Debug, Message = "SSH2_MSG_NEWKEYS sent")]
    public static partial void NewKeysSent(ILogger logger);

    [LoggerMessage(EventId = 118, Level = LogLevel.Debug, Message = "SSH2_MSG_NEWKEYS received")]
    public static partial void NewKeysReceived(ILogger logger);

    [LoggerMessage(EventId = 119, Level = LogLevel.Debug, Message = "Key exchange {Number} complete ({Kex})")]
    public static partial void KexComplete(ILogger logger, int number, string kex);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Re-keying: {Reason}")]
    public static partial void Rekeying(ILogger logger, string reason);

    [LoggerMessage(EventId = 121, Level = LogLevel.Debug, Message = "Extension from the peer (RFC 8308): {Name}")]
    public static partial void Extension(ILogger logger, string name);

    [LoggerMessage(EventId = 122, Level = LogLevel.Debug, Message = "server-sig-algs: {Algorithms}")]
    public static partial void ServerSignatureAlgorithms(ILogger logger, string algorithms);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Received disconnect: {Reason}: {Description}")]
    public static partial void DisconnectReceived(ILogger logger, DisconnectReason reason, string description);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Disconnecting: {Reason}: {Description}")]
    public static partial void DisconnectSent(ILogger logger, DisconnectReason reason, string description);

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "Connection closed: {Message}")]
    public static partial void ConnectionFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 133, Level = LogLevel.Debug, Message = "Connection closed")]
    public static partial void ConnectionClosed(ILogger logger);

    [LoggerMessage(EventId = 140, Level = LogLevel.Trace, Message = "SSH2_MSG_UNIMPLEMENTED sent for packet {SequenceNumber} (message {Number})")]
    public static partial void UnimplementedSent(ILogger logger, uint sequenceNumber, byte number);
}
