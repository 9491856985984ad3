using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using Ssh.Client;
using Ssh.Server;

namespace Ssh.InteropTests.ServerSessions;

/// <summary>Garbage from unauthenticated peers: the server must drop each such connection and keep serving.
/// (The server runs inside this test process, so a crash would end the run.)</summary>
[TestFixture]
public sealed class HostileInputTests
{
    private const int TimeoutMs = 120_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Random_bytes_and_random_packets_never_take_the_server_down(CancellationToken cancellationToken)
    {
        await using TestSshServer server = TestSshServer.Start();
        var random = new Random(4253);
        for (int i = 0; i < 300; i++)
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken);
            byte[] payload = (i % 3) switch
            {
                0 => RandomBytes(random, random.Next(1, 4096)),                         // no version line at all
                1 => [.. Encoding.ASCII.GetBytes("SSH-2.0-fuzz\r\n"), .. RandomBytes(random, random.Next(1, 4096))],
                _ => [.. Encoding.ASCII.GetBytes("SSH-2.0-fuzz\r\n"), .. RandomPacket(random)], // framed, random message
            };
            try
            {
                await socket.SendAsync(payload, SocketFlags.None, cancellationToken);
                socket.Shutdown(SocketShutdown.Send);
                // Drain until the server closes: it must close, not hang.
                byte[] sink = new byte[4096];
                using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                drain.CancelAfter(TimeSpan.FromSeconds(10));
                while (await socket.ReceiveAsync(sink, SocketFlags.None, drain.Token) > 0) { }
            }
            catch (SocketException)
            {
                // A reset is a fine way to be told no.
            }
        }

        // Still serving real clients.
        await using var client = new SshClient();
        client.GetHostKeys().Add($"[{server.Host}]:{server.Port}", server.HostKey.KeyType, server.HostKey);
        await client.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, lookForKeys: false, cancellationToken: cancellationToken);
        var (_, stdout, _) = await client.ExecCommandAsync("echo survived", cancellationToken: cancellationToken);
        Assert.That(await stdout.ReadToEndAsync(cancellationToken), Is.EqualTo("survived\n"));
        Assert.That(server.Server.ConnectionCount, Is.LessThanOrEqualTo(1), "every hostile connection must have been dropped");
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        byte[] data = new byte[count];
        random.NextBytes(data);
        return data;
    }

    /// <summary>An unencrypted binary packet (RFC 4253 §6) with a random message number and body.</summary>
    private static byte[] RandomPacket(Random random)
    {
        int payloadLength = random.Next(1, 600);
        int padding = 8 - (5 + payloadLength) % 8;
        if (padding < 4) padding += 8;
        byte[] packet = new byte[4 + 1 + payloadLength + padding];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + payloadLength + padding));
        packet[4] = (byte)padding;
        random.NextBytes(packet.AsSpan(5, payloadLength));
        return packet;
    }
}
