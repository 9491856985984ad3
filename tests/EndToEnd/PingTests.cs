using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Session;

namespace Ssh.Tests.EndToEnd;

/// <summary>ping@openssh.com (OpenSSH PROTOCOL §1.9): the server advertises it in EXT_INFO, answers PING with PONG.</summary>
public sealed class PingTests
{
    [Test, CancelAfter(10_000)]
    public async Task TheServerAdvertisesPing_AndAnswersItWithPong(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new SshSession(serverStream, SessionRole.Server, new TransportSettings()) { HostKeys = [Ed25519PrivateKey.Generate()] };
        await using var client = new SshSession(clientStream, SessionRole.Client, new TransportSettings());
        Task serverStart = server.StartAsync(ct);
        await client.StartAsync(ct);
        await serverStart;
        // EXT_INFO follows the server's NEWKEYS; wait for it like any packet.
        while (!client.PeerAnswersPing) await Task.Delay(5, ct);
        Assert.That(server.PeerAnswersPing, Is.False, "clients do not advertise it");

        uint before = client.Reader.SequenceNumber;
        await client.SendPingAsync(ct);
        while (client.Reader.SequenceNumber == before) await Task.Delay(5, ct);
        Assert.That(client.IsConnected && server.IsConnected, Is.True);
    }
}

/// <summary>Keepalives go out as PING where the server advertises ping@openssh.com.</summary>
public sealed class PingKeepaliveTests
{
    [Test, CancelAfter(10_000)]
    public async Task AnIdleClient_SendsPings_AndStaysUp(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new Ssh.Channels.SshTransport(clientStream);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync(TestServer.User, TestServer.Password, ct);
        uint before = server.Session.Reader.SequenceNumber;
        client.SetKeepalive(TimeSpan.FromMilliseconds(100), 2);
        await Task.Delay(1000, ct);
        Assert.That(client.IsActive, Is.True);
        Assert.That(server.Session.Reader.SequenceNumber - before, Is.GreaterThanOrEqualTo(3), "PINGs reached the server");
    }
}
