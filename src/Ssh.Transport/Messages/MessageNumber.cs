namespace Ssh.Transport.Messages;

/// <summary>SSH message numbers (RFC 4250 §4.1, RFC 8308). Numbers 30–49 are left out: they mean what the negotiated
/// key exchange method says (RFC 4253 §12), so each method names its own.</summary>
internal enum MessageNumber : byte
{
    Disconnect = 1,
    Ignore = 2,
    Unimplemented = 3,
    Debug = 4,
    ServiceRequest = 5,
    ServiceAccept = 6,
    ExtInfo = 7,
    KexInit = 20,
    NewKeys = 21,
    UserauthRequest = 50,
    UserauthFailure = 51,
    UserauthSuccess = 52,
    UserauthBanner = 53,
    UserauthPkOk = 60,
    UserauthInfoRequest = 60,
    UserauthInfoResponse = 61,
    GlobalRequest = 80,
    RequestSuccess = 81,
    RequestFailure = 82,
    ChannelOpen = 90,
    ChannelOpenConfirmation = 91,
    ChannelOpenFailure = 92,
    ChannelWindowAdjust = 93,
    ChannelData = 94,
    ChannelExtendedData = 95,
    ChannelEof = 96,
    ChannelClose = 97,
    ChannelRequest = 98,
    ChannelSuccess = 99,
    ChannelFailure = 100,

    /// <summary>OpenSSH PROTOCOL §1.9 (ping@openssh.com): byte 192 ‖ string data.</summary>
    Ping = 192,

    /// <summary>The answer to PING, with the same data.</summary>
    Pong = 193,
}

internal static class MessageRanges
{
    /// <summary>Transport-layer generic messages (RFC 4251 §7: 1–19).</summary>
    public static bool IsTransportGeneric(byte n) => n is >= 1 and <= 19;

    /// <summary>Algorithm negotiation and method-specific key exchange (20–49).</summary>
    public static bool IsKex(byte n) => n is >= 20 and <= 49;

    /// <summary>Key exchange method specific (30–49, RFC 4251 §7, RFC 4253 §12): the negotiated method interprets them.</summary>
    public static bool IsKexMethodSpecific(byte n) => n is >= 30 and <= 49;

    /// <summary>User authentication (50–79).</summary>
    public static bool IsUserauth(byte n) => n is >= 50 and <= 79;

    /// <summary>Connection protocol (80–127).</summary>
    public static bool IsConnection(byte n) => n is >= 80 and <= 127;
}
