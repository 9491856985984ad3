using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Compression;

namespace Ssh.Tests.EndToEnd;

/// <summary>zlib and zlib@openssh.com (RFC 4253 §6.2, OpenSSH PROTOCOL §1.3) between our client and server over an
/// in-memory pipe: what is negotiated, that data survives (across a re-key too), that fewer bytes move, and that a
/// compression bomb is refused.</summary>
public sealed class CompressionTests
{
    [TestCase("zlib@openssh.com"), TestCase("zlib"), CancelAfter(30_000)]
    public async Task BulkData_IsCompressed_AndSurvivesARekey(string method, CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var serverSettings = new TransportSettings();
        serverSettings.UseCompression(asServer: true);
        await using var server = new TestServer(serverStream, serverSettings);
        var clientSettings = new TransportSettings { Compression = [method] };
        await using var client = new SshTransport(clientStream, clientSettings);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync(TestServer.User, TestServer.Password, ct);
        Assert.That((client.Algorithms!.CompressionClientToServer, client.Algorithms.CompressionServerToClient), Is.EqualTo((method, method)));

        const int Size = 4_000_000;
        byte[] first = await BulkAsync(client, Size / 2, ct);
        await client.RenegotiateKeysAsync(ct);
        byte[] second = await BulkAsync(client, Size / 2, ct);

        for (int i = 0; i < Size / 2; i++)
        {
            if (first[i] != TestServer.BulkByte(i) || second[i] != TestServer.BulkByte(i))
                Assert.Fail($"byte {i} differs");
        }
        // BulkByte repeats every few KiB, so zlib shrinks it to a fraction.
        Assert.That(serverStream.BytesWritten, Is.LessThan(Size / 4), "bytes on the wire from the server");
    }

    [Test, CancelAfter(30_000)]
    public async Task WithoutCompression_NoneIsNegotiated_AndServerOfferDoesNotForceIt(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var serverSettings = new TransportSettings();
        serverSettings.UseCompression(asServer: true);
        await using var server = new TestServer(serverStream, serverSettings);
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(null, ct);
        await client.AuthPasswordAsync(TestServer.User, TestServer.Password, ct);
        Assert.That(client.Algorithms!.CompressionServerToClient, Is.EqualTo("none"));
        Assert.That(await BulkAsync(client, 100_000, ct), Has.Length.EqualTo(100_000));
    }

    private static async Task<byte[]> BulkAsync(SshTransport client, int size, CancellationToken ct)
    {
        Channel channel = await client.OpenSessionAsync(ct);
        await channel.ExecCommandAsync($"bulk:{size}", ct);
        byte[] data = await channel.MakeFile().ReadAsync(-1, ct);
        await channel.RecvExitStatusAsync(ct);
        return data;
    }

    [Test]
    public void ABomb_IsRefused_WithACompressionError_BeforeMemoryGrows()
    {
        // 10 MB of zeros compress to about 10 KB: one packet's payload that would expand 40 times past the limit.
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(new byte[10_000_000]);
            zlib.Flush();
        }
        using var decompressor = CompressionRegistry.CreateDecompressor("zlib")!;
        var e = Assert.Throws<SshProtocolException>(() => decompressor.Decompress(compressed.ToArray()));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.CompressionError));
        Assert.That(e.Message, Does.Contain("256 KiB").And.Contain("compression bomb"));
    }

    [Test]
    public void EachPacket_DecompressesOnItsOwn_AndCorruptDataIsACompressionError()
    {
        using ICompressor compressor = CompressionRegistry.CreateCompressor("zlib@openssh.com")!;
        using IDecompressor decompressor = CompressionRegistry.CreateDecompressor("zlib@openssh.com")!;
        byte[] buffer = new byte[70_000];
        for (int i = 0; i < 50; i++)
        {
            byte[] payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat($"packet {i} ", 1 + i * 100)));
            int n = compressor.Compress(payload, buffer);
            Assert.That(decompressor.Decompress(buffer.AsSpan(0, n)).ToArray(), Is.EqualTo(payload), $"packet {i}");
        }
        using IDecompressor fresh = CompressionRegistry.CreateDecompressor("zlib")!;
        var e = Assert.Throws<SshProtocolException>(() => fresh.Decompress([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.CompressionError));
    }
}
