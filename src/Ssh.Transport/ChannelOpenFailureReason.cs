namespace Ssh.Transport;

/// <summary>Why a channel could not be opened: the reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).</summary>
public enum ChannelOpenFailureReason : uint
{
    /// <summary>SSH_OPEN_ADMINISTRATIVELY_PROHIBITED: policy forbids it.</summary>
    AdministrativelyProhibited = 1,

    /// <summary>SSH_OPEN_CONNECT_FAILED: the destination (of a forward, say) could not be reached.</summary>
    ConnectFailed = 2,

    /// <summary>SSH_OPEN_UNKNOWN_CHANNEL_TYPE: the peer does not serve channels of that type.</summary>
    UnknownChannelType = 3,

    /// <summary>SSH_OPEN_RESOURCE_SHORTAGE: a limit was reached.</summary>
    ResourceShortage = 4,
}
