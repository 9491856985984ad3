using System.Runtime.CompilerServices;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Messages;

namespace Ssh.Transport.Session;

/// <summary>
/// Hands each inbound message to the layer it belongs to (RFC 4253 §12, RFC 4250 §4.1): the transport's own
/// messages (DISCONNECT, IGNORE, DEBUG, UNIMPLEMENTED, EXT_INFO), the key exchange (20–49), user authentication
/// (50–79, only until it succeeds) and the connection protocol (80–127, only after it). What no layer claims is
/// answered with UNIMPLEMENTED, here and nowhere else (RFC 4253 §11.4).
/// </summary>
internal sealed class MessageRouter(SshSession session, KeyExchanger kex, ServiceMessageQueue serviceMessages)
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RouteAsync(ReadOnlyMemory<byte> payload, uint sequenceNumber, CancellationToken lifetime)
    {
        if (payload.IsEmpty)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a packet with an empty payload (RFC 4253 §6).");
        byte number = payload.Span[0];

        if (kex.FilterDuringKex(number)) return;

        switch (number)
        {
            case (byte)MessageNumber.Disconnect:
                DisconnectMessage d = DisconnectMessage.Read(payload.Span);
                Diagnostics.TransportLog.DisconnectReceived(session.Log, d.Reason, PeerText.Sanitize(d.Description));
                throw new SshProtocolException(d.Reason,
                    $"The peer disconnected ({d.Reason}): {PeerText.Sanitize(d.Description)}", sentByPeer: true);
            case (byte)MessageNumber.Ignore:
            case (byte)MessageNumber.Debug:
            case (byte)MessageNumber.Unimplemented:
                return;
            case (byte)MessageNumber.ServiceRequest:
            case (byte)MessageNumber.ServiceAccept:
                if (session.IsAuthenticated)
                    throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message after authentication.");
                await QueueServiceMessageAsync(payload, lifetime).ConfigureAwait(false);
                return;
            case (byte)MessageNumber.ExtInfo:
                OnExtInfo(payload.Span);
                return;
            case (byte)MessageNumber.Ping:
                // OpenSSH PROTOCOL §1.9: answer with the same data; the reply, like any packet, also proves us alive.
                PingMessage ping = PingMessage.Read(payload.Span);
                if (session.SessionId is not null)
                    await session.SendAsync(ping with { Number = MessageNumber.Pong }).ConfigureAwait(false);
                return;
            case (byte)MessageNumber.Pong:
                PingMessage.Read(payload.Span); // well-formed, and counted as activity by the read loop
                return;
        }

        if (MessageRanges.IsKex(number))
        {
            await kex.HandleAsync(payload).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsUserauth(number))
        {
            if (session.IsAuthenticated) return; // RFC 4252 §5.1: requests after success are ignored
            if (session.Role == SessionRole.Client && number == (byte)MessageNumber.UserauthSuccess) session.MarkAuthenticated();
            await QueueServiceMessageAsync(payload, lifetime).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsConnection(number))
        {
            if (!session.IsAuthenticated || session.ConnectionHandler is not { } connection)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent connection-protocol message {number} before authentication completed (RFC 4252 §5.1).");
            if (await connection.HandleMessageAsync(payload, lifetime).ConfigureAwait(false)) return;
        }
        Diagnostics.TransportLog.UnimplementedSent(session.Log, sequenceNumber, number);
        await session.SendAsync(new UnimplementedMessage(sequenceNumber)).ConfigureAwait(false);
    }

    private ValueTask QueueServiceMessageAsync(ReadOnlyMemory<byte> payload, CancellationToken lifetime)
    {
        if (session.SessionId is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message before the key exchange completed.");
        return serviceMessages.EnqueueAsync(payload, lifetime);
    }

    private void OnExtInfo(ReadOnlySpan<byte> payload)
    {
        ExtInfoMessage info = ExtInfoMessage.Read(payload);
        foreach (var (name, value) in info.Extensions)
        {
            if (name == "server-sig-algs" && session.Role == SessionRole.Client)
            {
                // RFC 8308 §3.1: the value's bytes are the name-list's content, without a further length.
                session.ServerSignatureAlgorithms = System.Text.Encoding.ASCII.GetString(value).Split(',', StringSplitOptions.RemoveEmptyEntries);
                if (session.Log.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
                    Diagnostics.TransportLog.ServerSignatureAlgorithms(session.Log, PeerText.Sanitize(string.Join(',', session.ServerSignatureAlgorithms)));
            }
            else if (name == Auth.HostBoundPublicKey.Extension && session.Role == SessionRole.Client)
            {
                session.ServerSupportsHostBoundPublicKey = value.AsSpan().SequenceEqual("0"u8);
            }
            else if (name == PingMessage.Extension && value.AsSpan().SequenceEqual("0"u8))
            {
                session.PeerAnswersPing = true;
                Diagnostics.TransportLog.Extension(session.Log, PingMessage.Extension);
            }
        }
    }
}
