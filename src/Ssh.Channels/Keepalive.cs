using Ssh.Transport;
using Ssh.Transport.Session;

namespace Ssh.Channels;

/// <summary>
/// Detects a dead peer (OpenSSH's ServerAliveInterval / ServerAliveCountMax): after each quiet interval it sends
/// PING when the peer advertised <c>ping@openssh.com</c> (OpenSSH PROTOCOL §1.9), else <c>keepalive@openssh.com</c>
/// with want-reply; any packet from the peer counts as an answer. After
/// <see cref="CountMax"/> silent intervals in a row the connection is failed, which fails every pending operation
/// with <see cref="SshConnectionException"/>: a dead peer is noticed within interval × countMax.
/// </summary>
internal sealed class Keepalive : IDisposable
{
    private readonly SshSession _session;
    private readonly GlobalRequests _globalRequests;
    private readonly CancellationTokenSource _stop = new();

    public Keepalive(SshSession session, GlobalRequests globalRequests, TimeSpan interval, int countMax)
    {
        _session = session;
        _globalRequests = globalRequests;
        Interval = interval;
        CountMax = countMax;
        _ = Task.Run(RunAsync);
    }

    public TimeSpan Interval { get; }
    public int CountMax { get; }

    private async Task RunAsync()
    {
        int unanswered = 0;
        long lastSeen = _session.LastReceivedTimestamp;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (!_session.IsConnected) return;
                long received = _session.LastReceivedTimestamp;
                if (received != lastSeen)
                {
                    lastSeen = received;
                    unanswered = 0;
                    continue; // the peer spoke during this interval
                }
                // CountMax silent intervals in a row: the peer is gone (each earlier one sent a probe it never answered).
                if (++unanswered >= CountMax)
                {
                    await _session.AbortAsync(new SshConnectionException(
                        $"The peer sent nothing for {CountMax} keepalive intervals of {Interval.TotalSeconds:0.###} s and answered no keepalive; the connection is considered dead.")).ConfigureAwait(false);
                    return;
                }
                _ = SendAsync();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task SendAsync()
    {
        try
        {
            if (_session.PeerAnswersPing)
                await _session.SendPingAsync(_stop.Token).ConfigureAwait(false);
            else
                await _globalRequests.SendAsync("keepalive@openssh.com", ReadOnlyMemory<byte>.Empty, wantReply: true, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException or IOException)
        {
            // The connection is going away; the read loop reports why.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
