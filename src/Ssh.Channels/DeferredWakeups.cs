namespace Ssh.Channels;

/// <summary>
/// The wake-ups of channel readers that the read loop holds back while it has more packets to take in at once. A
/// reader that drains faster than packets arrive would otherwise be woken for every packet, and each wake-up is a
/// thread switch (often at the read loop's expense, as Linux tends to run the woken thread at once). Held back, the
/// reader is woken once the read loop has nothing more waiting on the socket (<see cref="WakeAll"/>, before it
/// waits), once its buffer holds <see cref="ChannelBuffer.WakeThreshold"/> bytes, or once that much channel data has
/// come in on the connection since the first wake-up was held, whichever comes first. The last bound keeps one busy
/// channel, which may keep the read loop from ever waiting, from holding up a quiet one's reader. An interactive reader
/// sees no delay: a packet that arrives alone is followed at once by the read loop's wait.
/// Used only by the read loop, so it takes no lock.
/// </summary>
internal sealed class DeferredWakeups
{
    private readonly List<ChannelBuffer> _held = new();
    private long _receivedSinceFirstHeld;

    /// <summary>Holds back the wake-up of <paramref name="buffer"/>'s reader (once, however many packets it gets).</summary>
    public void Hold(ChannelBuffer buffer)
    {
        if (buffer.WakeHeld) return;
        if (_held.Count == 0) _receivedSinceFirstHeld = 0;
        buffer.WakeHeld = true;
        _held.Add(buffer);
    }

    /// <summary>Counts <paramref name="bytes"/> of channel data taken in (held or not); wakes every held reader once
    /// <see cref="ChannelBuffer.WakeThreshold"/> bytes have come in since the first was held.</summary>
    public void Received(int bytes)
    {
        if (_held.Count == 0) return;
        _receivedSinceFirstHeld += bytes;
        if (_receivedSinceFirstHeld >= ChannelBuffer.WakeThreshold) WakeAll();
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
