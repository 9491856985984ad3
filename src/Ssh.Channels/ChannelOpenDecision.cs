using Ssh.Transport;

namespace Ssh.Channels;

/// <summary>The answer to a channel the peer wants to open: accept it (with our window and packet size, and what to
/// do once it is open), or refuse it with a reason (RFC 4254 §5.1).</summary>
public sealed class ChannelOpenDecision
{
    private ChannelOpenDecision() { }

    /// <summary>Why the channel is refused; null when it is accepted.</summary>
    public ChannelOpenFailureReason? FailureReason { get; private init; }

    /// <summary>The text sent with a refusal.</summary>
    public string FailureDescription { get; private init; } = "";

    /// <summary>The window we grant the peer.</summary>
    public int WindowSize { get; private init; } = Channel.DefaultWindowSize;

    /// <summary>The largest data packet we accept.</summary>
    public int MaxPacketSize { get; private init; } = Channel.DefaultMaxPacketSize;

    /// <summary>Called once the confirmation is on its way; returns true when the caller serves the channel itself,
    /// false to hand it to <see cref="SshTransport.AcceptAsync"/>.</summary>
    public Func<Channel, bool>? Opened { get; private init; }

    /// <summary>Accepts the channel.</summary>
    /// <param name="opened">Called once the confirmation is on its way (data may flow from then on); return true when
    /// you serve the channel yourself, false to leave it to <see cref="SshTransport.AcceptAsync"/>. Null: the latter.</param>
    /// <param name="windowSize">The window we grant (default 2 MiB).</param>
    /// <param name="maxPacketSize">The largest data packet we accept (default 32 KiB).</param>
    public static ChannelOpenDecision Accept(Func<Channel, bool>? opened = null, int windowSize = Channel.DefaultWindowSize,
        int maxPacketSize = Channel.DefaultMaxPacketSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, 1024);
        return new() { Opened = opened, WindowSize = windowSize, MaxPacketSize = maxPacketSize };
    }

    /// <summary>Refuses the channel with <paramref name="reason"/> and a text for the peer.</summary>
    public static ChannelOpenDecision Refuse(ChannelOpenFailureReason reason, string description) =>
        new() { FailureReason = reason, FailureDescription = description };
}
