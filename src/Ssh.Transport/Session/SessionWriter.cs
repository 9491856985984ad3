using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Session;

/// <summary>
/// The session's outbound side: one packet at a time under one lock, straight into the packet writer's buffer. While
/// a key exchange runs, only key-exchange messages (and DISCONNECT) go out; everything else is held, in order, and
/// sent right after our NEWKEYS (RFC 4253 §7.1), so callers never wait on the exchange itself.
/// </summary>
internal sealed class SessionWriter
{
    /// <summary>The most channel data held during a key exchange; beyond it, senders of data wait for the exchange
    /// to end instead of queueing (a peer that grants a huge window and stalls its key exchange must not make us
    /// buffer a command's output without bound).</summary>
    public const int MaxHeldDataBytes = 1 << 20;

    private readonly PacketWriter _packets;
    private readonly Func<Exception?> _closedError;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Queue<byte[]> _heldDuringKex = new();
    private TaskCompletionSource _kexDone = CompletedSignal();
    private bool _holdingForKex;
    private long _heldDataBytes;

    /// <param name="packets">Where packets are sealed and written.</param>
    /// <param name="closedError">The error a send meets once the session is closing; null while it is open.</param>
    public SessionWriter(PacketWriter packets, Func<Exception?> closedError)
    {
        _packets = packets;
        _closedError = closedError;
    }

    private static TaskCompletionSource CompletedSignal()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }

    /// <summary>Bytes and packets sent under the current keys, for the rekey limits.</summary>
    public PacketWriter Packets => _packets;

    /// <summary>True between our KEXINIT and our NEWKEYS.</summary>
    public bool HoldingForKex => _holdingForKex;

    /// <summary>Writes one message (or holds it during a key exchange). <paramref name="lifetime"/> is the
    /// connection's: a packet, once started, is finished whatever the caller's token says, since half a packet
    /// breaks the stream.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync<T>(T message, CancellationToken cancellationToken, CancellationToken lifetime) where T : IMessage
    {
        // Channel data waits out a key exchange once enough of it is held; everything else (window adjusts, replies:
        // small, and sent from the read loop, which must not wait) is held regardless.
        if (message is ChannelDataMessage && Volatile.Read(ref _heldDataBytes) >= MaxHeldDataBytes)
            await Volatile.Read(ref _kexDone).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closedError() is { } closed) throw closed;
            int length = Fill(message);
            byte number = _packets.Payload[0];
            if (_holdingForKex && !MessageRanges.IsKex(number) && number != (byte)MessageNumber.Disconnect)
            {
                _heldDuringKex.Enqueue(_packets.Payload[..length].ToArray());
                _packets.Discard(length);
                if (number is (byte)MessageNumber.ChannelData or (byte)MessageNumber.ChannelExtendedData)
                    Interlocked.Add(ref _heldDataBytes, length);
                return;
            }
            await _packets.WriteAsync(length, lifetime).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private int Fill<T>(T message) where T : IMessage
    {
        var w = new SshWriter(_packets.Payload);
        message.Write(ref w);
        return w.Position;
    }

    /// <summary>Sends our KEXINIT and holds other outbound messages until our NEWKEYS.</summary>
    public async ValueTask WriteKexInitAsync(byte[] payload, CancellationToken lifetime)
    {
        await _lock.WaitAsync(lifetime).ConfigureAwait(false);
        try
        {
            _holdingForKex = true;
            Volatile.Write(ref _kexDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            payload.CopyTo(_packets.Payload);
            await _packets.WriteAsync(payload.Length, lifetime).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Sends NEWKEYS, switches to the new outbound keys (restarting the sequence number under strict KEX),
    /// sends <paramref name="firstMessage"/> (the server's EXT_INFO, RFC 8308 §2.4) and then what was held, in
    /// order (RFC 4253 §7.3).</summary>
    public async ValueTask WriteNewKeysAsync(IPacketCipher outbound, string compression, bool authenticated, bool resetSequenceNumber,
        IMessage? firstMessage, CancellationToken lifetime)
    {
        await _lock.WaitAsync(lifetime).ConfigureAwait(false);
        try
        {
            await _packets.WriteAsync(Fill(new NewKeysMessage()), lifetime).ConfigureAwait(false);
            _packets.SetCipher(outbound, resetSequenceNumber);
            _packets.SetCompression(compression, authenticated);
            if (firstMessage is not null) await _packets.WriteAsync(Fill(firstMessage), lifetime).ConfigureAwait(false);
            _holdingForKex = false;
            while (_heldDuringKex.TryDequeue(out byte[]? held))
            {
                held.CopyTo(_packets.Payload);
                await _packets.WriteAsync(held.Length, lifetime).ConfigureAwait(false);
            }
            Volatile.Write(ref _heldDataBytes, 0);
            _kexDone.TrySetResult();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The session ended: senders waiting for a key exchange to finish give up.</summary>
    public void OnClosed(Exception error) => _kexDone.TrySetException(error);

    /// <summary>Best effort, bounded (a peer that stopped reading must not hold up the close): DISCONNECT with
    /// <paramref name="reason"/> (RFC 4253 §11.1).</summary>
    public async Task TryWriteDisconnectAsync(DisconnectReason reason, string description)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (!await _lock.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false)) return;
            try
            {
                int length = Fill(new DisconnectMessage(reason, description.Length > 200 ? description[..200] : description));
                await _packets.WriteAsync(length, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }
        catch (Exception)
        {
            // Best effort: the connection may already be gone.
        }
    }

    /// <summary>Gives the packet buffer back, once no send is filling it: a send that got past its closed-check
    /// may still be writing, so this waits for the lock (5 s at most); later sends find the session closed.</summary>
    public async Task DisposeAsync()
    {
        if (!await _lock.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false)) return;
        _packets.Dispose();
        _lock.Release();
    }
}
