using Ssh.Transport;

namespace Ssh.Channels.Forwarding;

/// <summary>
/// The client's remote forwards (RFC 4254 §7.1, PROTOCOL §2.4) and the gate for the channels the server opens for
/// them: <c>forwarded-tcpip</c> and <c>forwarded-streamlocal@openssh.com</c> are accepted only for a forward that
/// is active (or being requested), everything else is refused as administratively prohibited.
/// </summary>
internal sealed class RemoteForwardTable
{
    internal sealed class Entry
    {
        public required string Address { get; init; }
        public int Port { get; set; }
        public bool Pending { get; set; }
        public bool IsStreamLocal { get; init; }
        public Func<Channel, string, int, Task>? Handler { get; init; }
    }

    private readonly object _lock = new();
    private readonly List<Entry> _entries = [];
    public Entry Add(string address, int port, bool streamLocal, Func<Channel, string, int, Task>? handler)
    {
        var entry = new Entry { Address = address, Port = port, Pending = true, IsStreamLocal = streamLocal, Handler = handler };
        lock (_lock) _entries.Add(entry);
        return entry;
    }

    public void Confirm(Entry entry, int port)
    {
        lock (_lock)
        {
            entry.Port = port;
            entry.Pending = false;
        }
    }

    public void Remove(Entry entry)
    {
        lock (_lock) _entries.Remove(entry);
    }

    public Entry? Find(string address, int port, bool streamLocal)
    {
        lock (_lock) return FindLocked(address, port, streamLocal);
    }

    /// <summary>Exact address and port first; then the port alone (servers differ on how they echo a wildcard
    /// address); then a port-0 request still waiting for its reply, whose channels may overtake the reply's
    /// continuation.</summary>
    private Entry? FindLocked(string address, int port, bool streamLocal)
    {
        Entry? byPort = null, pendingAny = null;
        foreach (Entry e in _entries)
        {
            if (e.IsStreamLocal != streamLocal) continue;
            if (streamLocal)
            {
                if (e.Address == address) return e;
                continue;
            }
            if (e.Port == port && e.Address == address) return e;
            if (e.Port == port) byPort ??= e;
            if (e.Pending && e.Port == 0 && e.Address == address) pendingAny ??= e;
        }
        return byPort ?? pendingAny;
    }

    public ChannelOpenDecision Decide(ChannelOpenRequest open)
    {
        Entry? entry = null;
        string originHost = "";
        int originPort = 0;
        try
        {
            if (open.ChannelType == ChannelTypes.ForwardedTcpip)
            {
                var (address, port, origin, oport) = ForwardingData.ReadTcpip(open.Data.Span);
                entry = Find(address, port, streamLocal: false);
                (originHost, originPort) = (origin, oport);
            }
            else if (open.ChannelType == ChannelTypes.ForwardedStreamLocal)
            {
                entry = Find(ForwardingData.ReadPath(open.Data.Span), 0, streamLocal: true);
            }
        }
        catch (SshProtocolException)
        {
            entry = null;
        }
        if (entry is null)
            return ChannelOpenDecision.Refuse(ChannelOpenFailureReason.AdministrativelyProhibited,
                $"No {open.ChannelType} forward was requested for this.");
        Func<Channel, string, int, Task>? handler = entry.Handler;
        return ChannelOpenDecision.Accept(channel =>
        {
            // Without a handler, the channel goes to AcceptAsync.
            if (handler is null) return false;
            _ = RunHandlerAsync(handler, channel, originHost, originPort);
            return true;
        });
    }

    private static async Task RunHandlerAsync(Func<Channel, string, int, Task> handler, Channel channel, string originHost, int originPort)
    {
        await Task.Yield();
        try
        {
            await handler(channel, originHost, originPort).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The application's handler failed: that channel is done; the forward and the connection are not.
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }
}
