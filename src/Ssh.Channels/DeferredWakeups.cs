namespace Ssh.Channels;

/// <summary>
/// The wake-ups of channel readers that the read loop holds back while it has more packets to take in at once. A
/// reader that drains faster than packets arrive would otherwise be woken for every packet, and each wake-up is a
/// thread switch (often at the read loop's expense, as Linux tends to run the woken thread at once). Held back, the
/// reader is woken once the read loop has nothing more waiting on the socket (<see cref="WakeAll"/>, before it
/// waits) or once its buffer holds <see cref="ChannelBuffer.WakeThreshold"/> bytes, whichever comes first. An
/// interactive reader sees no delay: a packet that arrives alone is followed at once by the read loop's wait.
/// Used only by the read loop, so it takes no lock.
/// </summary>
internal sealed class DeferredWakeups
{
    private readonly List<ChannelBuffer> _held = new();

    /// <summary>Holds back the wake-up of <paramref name="buffer"/>'s reader (once, however many packets it gets).</summary>
    public void Hold(ChannelBuffer buffer)
    {
        if (buffer.WakeHeld) return;
        buffer.WakeHeld = true;
        _held.Add(buffer);
    }

    /// <summary>Wakes every reader held back: the read loop is about to wait, or to do something that may.</summary>
    public void WakeAll()
    {
        if (_held.Count == 0) return;
        foreach (ChannelBuffer buffer in _held)
        {
            buffer.WakeHeld = false;
            buffer.WakeReader();
        }
        _held.Clear();
    }
}
