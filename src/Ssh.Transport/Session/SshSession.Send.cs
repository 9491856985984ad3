using System.Runtime.CompilerServices;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Session;

/// <summary>The write path: one packet at a time under the write lock, held back during a key exchange.</summary>
internal sealed partial class SshSession
{
    /// <summary>Sends a message. During a key exchange, anything but key-exchange messages is held and sent in
    /// order once NEWKEYS is out (RFC 4253 §7.1), so callers never wait on the exchange itself.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync<T>(T message, CancellationToken cancellationToken = default) where T : IMessage
    {
        ThrowIfClosed();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool rekeyNeeded;
        try
        {
            ThrowIfClosed();
            int length = Fill(message);
            byte number = _writer.Payload[0];
            if (_outboundHeldForKex && !MessageRanges.IsKex(number) && number != (byte)MessageNumber.Disconnect)
            {
                _heldDuringKex.Enqueue(_writer.Payload[..length].ToArray());
                _writer.Discard(length);
                return;
            }
            // A packet, once started, is finished whatever the caller's token says: half a packet breaks the stream.
            await _writer.WriteAsync(length, _lifetime.Token).ConfigureAwait(false);
            rekeyNeeded = !_outboundHeldForKex && _kex.IsRekeyDue();
        }
        catch (Exception e) when (e is not OperationCanceledException and not SshException)
        {
            var error = new SshConnectionException("Writing to the connection failed: " + e.Message, e);
            _ = FailAsync(error);
            throw error;
        }
        finally
        {
            _writeLock.Release();
        }
        if (rekeyNeeded) _ = _kex.StartAsync();
    }

    private int Fill<T>(T message) where T : IMessage
    {
        var w = new SshWriter(_writer.Payload);
        message.Write(ref w);
        return w.Position;
    }

    /// <summary>Sends our KEXINIT and holds other outbound messages until our NEWKEYS.</summary>
    internal async ValueTask SendKexInitAsync(byte[] payload)
    {
        await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            _outboundHeldForKex = true;
            payload.CopyTo(_writer.Payload);
            await _writer.WriteAsync(payload.Length, _lifetime.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends NEWKEYS, switches outbound keys, then releases what was held, in order (RFC 4253 §7.3).</summary>
    internal async ValueTask SendNewKeysAsync(Algorithms.Ciphers.IPacketCipher outbound, bool resetSequenceNumber, IMessage? firstMessage)
    {
        await _writeLock.WaitAsync(_lifetime.Token).ConfigureAwait(false);
        try
        {
            int length = Fill(new NewKeysMessage());
            await _writer.WriteAsync(length, _lifetime.Token).ConfigureAwait(false);
            _writer.SetCipher(outbound, resetSequenceNumber);
            if (firstMessage is not null)
            {
                var w = new SshWriter(_writer.Payload);
                firstMessage.Write(ref w);
                await _writer.WriteAsync(w.Position, _lifetime.Token).ConfigureAwait(false);
            }
            _outboundHeldForKex = false;
            while (_heldDuringKex.TryDequeue(out byte[]? held))
            {
                held.CopyTo(_writer.Payload);
                await _writer.WriteAsync(held.Length, _lifetime.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Starts a key exchange now (paramiko's renegotiate_keys); completes when it has finished.</summary>
    public async Task RekeyAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        Task done = await _kex.StartAsync().ConfigureAwait(false);
        await done.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
