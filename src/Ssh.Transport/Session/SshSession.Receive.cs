using System.Runtime.CompilerServices;
using Ssh.Transport.Messages;

namespace Ssh.Transport.Session;

/// <summary>The read loop and the dispatch of every packet to the layer it belongs to.</summary>
internal sealed partial class SshSession
{
    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> payload = await _reader.ReadPacketAsync(_lifetime.Token).ConfigureAwait(false);
                LastReceivedTimestamp = Environment.TickCount64;
                await DispatchAsync(payload).ConfigureAwait(false);
                if (_kex.IsRekeyDue()) await _kex.StartAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            await FailAsync(null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DispatchAsync(ReadOnlyMemory<byte> payload)
    {
        if (payload.IsEmpty)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a packet with an empty payload.");
        byte number = payload.Span[0];

        if (_kex.FilterDuringKex(number)) return;

        switch (number)
        {
            case (byte)MessageNumber.Disconnect:
                DisconnectMessage d = DisconnectMessage.Read(payload.Span);
                throw new SshProtocolException(d.Reason,
                    $"The peer disconnected ({d.Reason}): {PeerText.Sanitize(d.Description)}", sentByPeer: true);
            case (byte)MessageNumber.Ignore:
            case (byte)MessageNumber.Debug:
            case (byte)MessageNumber.Unimplemented:
                return;
            case (byte)MessageNumber.ServiceRequest:
            case (byte)MessageNumber.ServiceAccept:
                if (IsAuthenticated)
                    throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message after authentication.");
                await QueueServiceMessageAsync(payload).ConfigureAwait(false);
                return;
            case (byte)MessageNumber.ExtInfo:
                OnExtInfo(payload.Span);
                return;
        }

        if (MessageRanges.IsKex(number))
        {
            await _kex.HandleAsync(payload).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsUserauth(number))
        {
            if (IsAuthenticated) return; // RFC 4252 §5.1: requests after success are ignored
            if (Role == SessionRole.Client && number == (byte)MessageNumber.UserauthSuccess) MarkAuthenticated();
            await QueueServiceMessageAsync(payload).ConfigureAwait(false);
            return;
        }
        if (MessageRanges.IsConnection(number))
        {
            if (!IsAuthenticated || ConnectionHandler is null)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent connection-protocol message {number} before authentication completed.");
            if (await ConnectionHandler.HandleMessageAsync(payload, _lifetime.Token).ConfigureAwait(false)) return;
        }
        // RFC 4253 §11.4: reply UNIMPLEMENTED with the packet's sequence number.
        await SendAsync(new UnimplementedMessage(_reader.SequenceNumber - 1)).ConfigureAwait(false);
    }

    private async ValueTask QueueServiceMessageAsync(ReadOnlyMemory<byte> payload)
    {
        if (SessionId is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a service message before the key exchange completed.");
        await _serviceMessages.Writer.WriteAsync(payload.ToArray(), _lifetime.Token).ConfigureAwait(false);
    }

    private void OnExtInfo(ReadOnlySpan<byte> payload)
    {
        ExtInfoMessage info = ExtInfoMessage.Read(payload);
        foreach (var (name, value) in info.Extensions)
        {
            if (name == "server-sig-algs" && Role == SessionRole.Client)
            {
                // RFC 8308 §3.1: the value's bytes are the name-list's content, without a further length.
                ServerSignatureAlgorithms = System.Text.Encoding.ASCII.GetString(value).Split(',', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }
}
