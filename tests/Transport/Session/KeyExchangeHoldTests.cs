using NUnit.Framework;
using Ssh.Channels;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Session;

namespace Ssh.Tests.Transport.Session;

/// <summary>While a key exchange runs our outbound messages are held (RFC 4253 §7.1). A peer that stalls its exchange
/// must not make us hold without bound: channel data waits beyond a bound, and a re-exchange has a deadline.</summary>
public sealed class KeyExchangeHoldTests
{
    [Test, CancelAfter(10_000)]
    public async Task Channel_data_beyond_the_bound_waits_for_the_exchange_to_end(CancellationToken ct)
    {
        using var wire = new MemoryStream();
        var writer = new SessionWriter(new PacketWriter(wire), () => null);
        await writer.WriteKexInitAsync([(byte)MessageNumber.KexInit], ct);

        byte[] chunk = new byte[32 * 1024];
        int held = 0;
        while (held < SessionWriter.MaxHeldDataBytes)
        {
            await writer.WriteAsync(new ChannelDataMessage(0, 0, chunk), ct, ct);
            held += chunk.Length;
        }
        ValueTask waiting = writer.WriteAsync(new ChannelDataMessage(0, 0, chunk), ct, ct);
        // Control messages are still held at once: the read loop sends them and must never wait.
        await writer.WriteAsync(new ChannelWindowAdjustMessage(0, 1), ct, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(2), ct);
        await Task.Delay(100, ct);
        Assert.That(waiting.IsCompleted, Is.False, "data beyond the bound was queued");

        await writer.WriteNewKeysAsync(NonePacketCipher.Instance, "none", authenticated: false, resetSequenceNumber: false, null, ct);
        await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(2), ct);
    }

    /// <summary>A stream whose reads can be stopped: a peer that stops reading.</summary>
    private sealed class PausableStream(Stream inner) : Stream
    {
        private volatile TaskCompletionSource? _paused;

        public void Pause() => _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_paused is { } gate) await gate.Task.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Test, CancelAfter(15_000)]
    public async Task A_re_exchange_the_peer_never_finishes_ends_the_connection(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var settings = new TransportSettings { KeyExchangeTimeout = TimeSpan.FromMilliseconds(500) };
        await using var server = new TestServer(serverStream, settings);
        var pausable = new PausableStream(clientStream);
        await using var client = new SshTransport(pausable);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync(TestServer.User, TestServer.Password, ct);

        pausable.Pause(); // the client stops reading: it will never answer the server's KEXINIT
        _ = server.Session.RekeyAsync(ct);
        var error = Assert.CatchAsync<SshProtocolException>(() => server.Session.Completion.WaitAsync(ct));
        Assert.That(error!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(error.Message, Does.Contain("did not finish the key exchange"));
    }
}
