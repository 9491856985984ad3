using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Ssh.Channels;

/// <summary>
/// The client's TCP stream on Linux: acknowledges small reads at once (TCP_QUICKACK) instead of delaying the ACK.
/// A server that does not set TCP_NODELAY (sshd does not, outside a pty session) holds its second small packet in a
/// row until the first is acknowledged (Nagle); with the delayed ACK of Linux that is a 40 ms stall, seen twice in
/// every login and exec against sshd. TCP_QUICKACK lasts only until the kernel's next ACK decision, so it is armed
/// again after every read that is not bulk data: a transfer's large reads cost nothing extra.
/// </summary>
internal sealed class QuickAckNetworkStream : NetworkStream
{
    private const int IpProtocolTcp = 6; // IPPROTO_TCP
    private const int TcpQuickAck = 12; // TCP_QUICKACK, linux/tcp.h

    /// <summary>Reads shorter than this re-arm the quick ACK; a bulk transfer's reads are longer.</summary>
    private const int SmallRead = 16 * 1024;

    private bool _enabled = true;

    public QuickAckNetworkStream(Socket socket) : base(socket, ownsSocket: true) => ArmQuickAck();

    // Pooled: the read loop's every socket read passes through here, and the packet path allocates nothing.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n is > 0 and < SmallRead) ArmQuickAck();
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        int n = base.Read(buffer);
        if (n is > 0 and < SmallRead) ArmQuickAck();
        return n;
    }

    private void ArmQuickAck()
    {
        if (!_enabled) return;
        try
        {
            Socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, [1, 0, 0, 0]);
        }
        catch (SocketException)
        {
            _enabled = false; // Not this socket's kind (or kernel): delayed ACKs stay as they are.
        }
        catch (ObjectDisposedException)
        {
            _enabled = false;
        }
    }
}
