using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Tests.Client;

/// <summary>Every timeout a user can hit is a <see cref="TimeoutException"/>: the connect's own bound, the handshake
/// deadlines, a channel read; a connection found dead afterwards is an <see cref="SshConnectionException"/>.</summary>
public sealed class TimeoutTests
{
    [Test, CancelAfter(20_000)]
    public async Task Connect_against_a_silent_server_times_out_with_TimeoutException(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        using var client = new SshClient();
        var error = Assert.ThrowsAsync<TimeoutException>(() => client.ConnectAsync("127.0.0.1", port, "u", "p", timeout: TimeSpan.FromMilliseconds(300),
            allowAgent: false, lookForKeys: false, cancellationToken: ct));
        Assert.That(error!.Message, Does.Contain("timed out after 0.3 s"));

        using var byDeadline = new SshClient { Settings = new TransportSettings { VersionExchangeTimeout = TimeSpan.FromMilliseconds(300) } };
        Assert.ThrowsAsync<TimeoutException>(() => byDeadline.ConnectAsync("127.0.0.1", port, "u", "p", allowAgent: false, lookForKeys: false,
            cancellationToken: ct));
    }

    [Test, CancelAfter(20_000)]
    public async Task A_transport_whose_handshake_timed_out_reports_later_calls_as_a_closed_connection(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        await using SshTransport transport = await SshTransport.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port,
            new TransportSettings { VersionExchangeTimeout = TimeSpan.FromMilliseconds(200) }, cancellationToken: ct);
        Assert.ThrowsAsync<TimeoutException>(() => transport.StartClientAsync(cancellationToken: ct));
        var later = Assert.CatchAsync<SshConnectionException>(() => transport.Completion);
        Assert.That(later!.InnerException, Is.InstanceOf<TimeoutException>());
    }
}
