using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// The connection layer's dispatch, <see cref="ConnectionService.HandleMessageAsync"/>, fed a sequence of payloads
/// (<see cref="FuzzInput.Chunk"/>s) as the session's read loop feeds it, over a transport that encodes what the
/// service sends and drops it (tests/Channels/MessagePipe.cs without the other side). Before the input, our side
/// opens channel 0 (a session), so the peer's confirmation, data, requests, EOF and CLOSE have somewhere to land.
/// The first byte picks the side: bit 0 set gives the service a request handler that accepts every channel,
/// request and global request, as a server would; clear, none (a client's default).
/// </summary>
internal static class ConnectionTargets
{
    public static FuzzTarget Create() =>
        new("connection", "ConnectionService.HandleMessageAsync (RFC 4254) over an in-memory transport", Run, typeof(SshProtocolException));

    private static void Run(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        byte mode = fuzz.Byte();
        var transport = new DiscardingTransport();
        var connection = new ConnectionService(transport) { RequestHandler = (mode & 1) != 0 ? new AcceptAll() : null };
        Task<Channel> open = connection.OpenChannelAsync(ChannelTypes.Session, default, CancellationToken.None, windowSize: 64 * 1024, maxPacketSize: 16 * 1024);
        try
        {
            foreach (byte[] payload in fuzz.Chunks())
            {
                if (payload.Length == 0) continue; // the packet reader never hands out an empty payload
                ValueTask<bool> handled = connection.HandleMessageAsync(payload, CancellationToken.None);
                // The read loop awaits each message before the next; nothing here waits on the application.
                handled.AsTask().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
                Quiesce(); // what it started off the loop (decisions, replies) ends before the next: steadier coverage
            }
        }
        finally
        {
            transport.Close();
            connection.OnSessionClosed(null);
            // Decisions and replies run off the read loop, on the thread pool: let them finish, so that none of this
            // input's work lands in the next input's coverage (afl-fuzz reads that as instability).
            // Our open must have ended by now, confirmed or failed with the connection: still waiting is a hang.
            if (!((IAsyncResult)open).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)))
                throw new TimeoutException("OpenChannelAsync still waits after the connection closed.");
            _ = open.Exception;
            Quiesce();
        }
    }

    /// <summary>Waits until the thread pool has had no queued work and finished no item for a moment.</summary>
    private static void Quiesce()
    {
        for (int round = 0; round < 1000; round++)
        {
            long completed = ThreadPool.CompletedWorkItemCount;
            if (ThreadPool.PendingWorkItemCount == 0)
            {
                Thread.Sleep(0);
                Thread.SpinWait(200);
                if (ThreadPool.PendingWorkItemCount == 0 && ThreadPool.CompletedWorkItemCount == completed) return;
            }
            Thread.Yield();
        }
    }

    /// <summary>Encodes every message the service sends (our writers run too) and drops it.</summary>
    private sealed class DiscardingTransport : IMessageTransport
    {
        private readonly CancellationTokenSource _lifetime = new();
        private readonly byte[] _buffer = new byte[PacketLimits.MaxOutgoingPayload];
        private readonly object _lock = new();

        public bool IsConnected => !_lifetime.IsCancellationRequested;
        public Exception? CloseReason => IsConnected ? null : new SshConnectionException("closed");
        public CancellationToken Lifetime => _lifetime.Token;

        public ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage
        {
            lock (_lock)
            {
                var writer = new SshWriter(_buffer);
                message.Write(ref writer);
            }
            return ValueTask.CompletedTask;
        }

        public void Close() => _lifetime.Cancel();
    }

    /// <summary>Accepts everything at once, as a permissive server would, and serves nothing itself.</summary>
    private sealed class AcceptAll : IConnectionRequestHandler
    {
        public ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(ChannelOpenDecision.Accept(windowSize: 64 * 1024, maxPacketSize: 16 * 1024));

        public ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(true);

        public void OnChannelRequestAccepted(Channel channel, ChannelRequest request)
        {
        }

        public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult<byte[]?>([]);

        public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted)
        {
        }
    }
}
