using System.Collections.Concurrent;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Channels;

/// <summary>
/// Two <see cref="ConnectionService"/>s joined by an in-memory pipe of messages, as x/crypto's <c>mux_test.go</c>
/// joins two muxes: no keys, no packets, no socket. Each side's sends are encoded into payloads and handed, in
/// order, to the other side's "read loop", a task that calls <see cref="ConnectionService.HandleMessageAsync"/> one
/// message at a time, just as the session's read loop does. A test can also inject raw payloads and see every
/// payload a side sent.
/// </summary>
internal sealed class MessagePipe : IAsyncDisposable
{
    public MessagePipe(IConnectionRequestHandler? serverHandler = null)
    {
        Client = new End("client");
        Server = new End("server");
        Client.Peer = Server;
        Server.Peer = Client;
        Client.Start(handler: null);
        Server.Start(serverHandler);
    }

    public End Client { get; }
    public End Server { get; }

    public async ValueTask DisposeAsync()
    {
        await Client.CloseAsync();
        await Server.CloseAsync();
    }

    /// <summary>One side: its transport (what its connection layer sends through) and its read loop.</summary>
    internal sealed class End : IMessageTransport
    {
        private readonly string _name;
        private readonly System.Threading.Channels.Channel<byte[]> _inbound = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        private readonly CancellationTokenSource _lifetime = new();
        private readonly SemaphoreSlim _sendLock = new(1, 1);
        private Exception? _closeReason;

        public End(string name) => _name = name;

        public End Peer { get; set; } = null!;
        public ConnectionService Connection { get; private set; } = null!;
        public Task ReadLoop { get; private set; } = Task.CompletedTask;

        /// <summary>Every payload this side sent, in order.</summary>
        public ConcurrentQueue<byte[]> Sent { get; } = new();

        /// <summary>Message numbers the connection layer did not claim (the session would answer UNIMPLEMENTED).</summary>
        public ConcurrentQueue<byte> Unclaimed { get; } = new();

        /// <summary>Makes <see cref="SendAsync{T}"/> wait until the returned gate opens: a peer that stopped reading.</summary>
        public TaskCompletionSource? SendGate { get; set; }

        public bool IsConnected => _closeReason is null;
        public Exception? CloseReason => _closeReason;
        public CancellationToken Lifetime => _lifetime.Token;

        public void Start(IConnectionRequestHandler? handler)
        {
            Connection = new ConnectionService(this) { RequestHandler = handler };
            ReadLoop = Task.Run(ReadLoopAsync);
        }

        public async ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage
        {
            if (_closeReason is not null) throw _closeReason;
            byte[] buffer = new byte[PacketLimits.MaxOutgoingPayload];
            var w = new SshWriter(buffer);
            message.Write(ref w);
            byte[] payload = buffer[..w.Position];
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                if (SendGate is { } gate) await gate.Task.WaitAsync(cancellationToken);
                Sent.Enqueue(payload);
                Peer.Deliver(payload);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        /// <summary>Hands a payload to this side's read loop as if the peer had sent it.</summary>
        public void Deliver(byte[] payload) => _inbound.Writer.TryWrite(payload);

        private async Task ReadLoopAsync()
        {
            try
            {
                while (true)
                {
                    // As the session's read loop: readers held back while messages kept coming are woken before any wait.
                    if (!_inbound.Reader.TryRead(out byte[]? payload))
                    {
                        Connection.OnReadIdle();
                        if (!await _inbound.Reader.WaitToReadAsync(_lifetime.Token)) break;
                        continue;
                    }
                    ValueTask<bool> handled = Connection.HandleMessageAsync(payload, _lifetime.Token);
                    if (!handled.IsCompleted) Connection.OnReadIdle();
                    if (!await handled) Unclaimed.Enqueue(payload[0]);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                // What the session does: the connection fails, and so does everything on it.
                Fail(e);
                Peer.Fail(new SshConnectionException($"The {_name} disconnected: {e.Message}"));
            }
        }

        public void Fail(Exception error)
        {
            if (_closeReason is not null) return;
            _closeReason = error;
            _lifetime.Cancel();
            Connection.OnSessionClosed(error);
        }

        public async Task CloseAsync()
        {
            Fail(new SshConnectionException("The connection was closed."));
            _inbound.Writer.TryComplete();
            await ReadLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }

        public override string ToString() => _name;
    }
}
