using System.IO.Pipelines;
using NUnit.Framework;
using Ssh.Tests.Transport.KeyExchange;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Messages;
using Ssh.Transport.Packets;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Tests.EndToEnd;

/// <summary>Peers that break the protocol on purpose, and the DISCONNECT they get.</summary>
public sealed class RawPeerTests
{
    [Test, CancelAfter(10_000)]
    public async Task ConnectionMessageBeforeAuthentication_IsDisconnectedAsProtocolError(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var client = new SshSession(clientStream, SessionRole.Client, new TransportSettings());
        await client.StartAsync(ct);

        await client.SendAsync(new GlobalRequestMessage("tcpip-forward", true, new SshBuffer().WriteString("").WriteUInt32(0).ToArray()), ct);

        var onServer = Assert.CatchAsync<SshProtocolException>(() => server.Session.Completion.WaitAsync(ct));
        Assert.That(onServer!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        Assert.That(onServer.SentByPeer, Is.False);
        var onClient = Assert.CatchAsync<SshProtocolException>(() => client.Completion.WaitAsync(ct));
        Assert.That(onClient!.Reason, Is.EqualTo(DisconnectReason.ProtocolError), "the server said why");
        Assert.That(onClient.SentByPeer, Is.True);
    }

    /// <summary>A hand-driven client: version line and packets written by hand, the server's packets read back.</summary>
    private sealed class RawClient : IAsyncDisposable
    {
        private readonly Stream _stream;
        private readonly PipeReader _input;
        private readonly PacketWriter _writer;
        private readonly PacketReader _reader;

        public const string Version = "SSH-2.0-RawPeer";

        public RawClient(Stream stream)
        {
            _stream = stream;
            _input = PipeReader.Create(stream);
            _writer = new PacketWriter(stream);
            _reader = new PacketReader(_input);
        }

        public async Task<string> ExchangeVersionsAsync(CancellationToken ct)
        {
            await VersionExchange.SendAsync(_stream, Version, ct);
            return await VersionExchange.ReceiveAsync(_input, allowPreamble: true, ct);
        }

        public async Task SendAsync<T>(T message, CancellationToken ct) where T : IMessage
        {
            var w = new SshWriter(_writer.Payload);
            message.Write(ref w);
            await _writer.WriteAsync(w.Position, ct);
        }

        public async Task<byte[]> ReceiveAsync(CancellationToken ct) => (await _reader.ReadPacketAsync(ct)).ToArray();

        public ValueTask DisposeAsync()
        {
            _writer.Dispose();
            _reader.Dispose();
            return _stream.DisposeAsync();
        }
    }

    private static KexInitMessage ClientKexInit(bool strict) => new()
    {
        KexAlgorithms = strict ? [Curve25519KeyExchange.Name, KexRegistry.StrictKexClient] : [Curve25519KeyExchange.Name],
        ServerHostKeyAlgorithms = ["ssh-ed25519"],
        CiphersClientToServer = ["aes128-ctr"],
        CiphersServerToClient = ["aes128-ctr"],
        MacsClientToServer = ["hmac-sha2-256"],
        MacsServerToClient = ["hmac-sha2-256"],
    };

    [Test, CancelAfter(10_000)]
    public async Task StrictKex_AnIgnoreBeforeKexInit_IsDisconnected(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var raw = new RawClient(clientStream);
        Assert.That(await raw.ExchangeVersionsAsync(ct), Does.StartWith("SSH-2.0-"));

        await raw.SendAsync(new IgnoreMessage(8), ct);
        await raw.SendAsync(new RawMessage(ClientKexInit(strict: true).ToPayload()), ct);

        byte[] serverKexInit = await raw.ReceiveAsync(ct);
        Assert.That(KexInitMessage.Read(serverKexInit).KexAlgorithms, Does.Contain(KexRegistry.StrictKexServer));
        await AssertDisconnectedAsync(raw, server, DisconnectReason.ProtocolError, "Strict KEX (OpenSSH PROTOCOL §1.10)", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task WithoutStrictKex_AnIgnoreBeforeKexInit_IsFine(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var raw = new RawClient(clientStream);
        string serverVersion = await raw.ExchangeVersionsAsync(ct);

        await raw.SendAsync(new IgnoreMessage(8), ct);
        byte[] clientKexInit = ClientKexInit(strict: false).ToPayload();
        await raw.SendAsync(new RawMessage(clientKexInit), ct);
        byte[] serverKexInit = await raw.ReceiveAsync(ct);
        Assert.That(serverKexInit[0], Is.EqualTo((byte)MessageNumber.KexInit));

        await AssertTheServerCompletesTheExchangeAsync(raw, server, KexContext.ForClient(RawClient.Version, serverVersion, clientKexInit, serverKexInit), ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task AWrongGuess_IsIgnored_AndTheExchangeGoesOn(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var raw = new RawClient(clientStream);
        string serverVersion = await raw.ExchangeVersionsAsync(ct);

        // The server prefers curve25519-sha256, so guessing the libssh name is wrong (RFC 4253 §7.1).
        byte[] clientKexInit = (ClientKexInit(strict: false) with
        {
            KexAlgorithms = [Curve25519KeyExchange.LibSshName, Curve25519KeyExchange.Name],
            FirstKexPacketFollows = true,
        }).ToPayload();
        await raw.SendAsync(new RawMessage(clientKexInit), ct);
        await raw.SendAsync(new RawMessage(new byte[] { 30, 0, 0, 0, 1, 0 }), ct); // the guess: nonsense, to be ignored
        byte[] serverKexInit = await raw.ReceiveAsync(ct);

        await AssertTheServerCompletesTheExchangeAsync(raw, server, KexContext.ForClient(RawClient.Version, serverVersion, clientKexInit, serverKexInit), ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task AKeyExchangeMethodMessageBeforeKexInit_IsDisconnectedAsProtocolError(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var raw = new RawClient(clientStream);
        await raw.ExchangeVersionsAsync(ct);

        await raw.SendAsync(new RawMessage(KexVectors.EcdhInit(new byte[32])), ct);

        Assert.That((await raw.ReceiveAsync(ct))[0], Is.EqualTo((byte)MessageNumber.KexInit));
        await AssertDisconnectedAsync(raw, server, DisconnectReason.ProtocolError, "RFC 4253 §7", ct);
    }

    [Test, CancelAfter(10_000)]
    public async Task AMalformedKexEcdhInit_IsDisconnectedWithTheMethodsReason(CancellationToken ct)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        await using var server = new TestServer(serverStream);
        await using var raw = new RawClient(clientStream);
        await raw.ExchangeVersionsAsync(ct);

        await raw.SendAsync(new RawMessage(ClientKexInit(strict: true).ToPayload()), ct);
        await raw.SendAsync(new RawMessage(KexVectors.EcdhInit(new byte[31])), ct);

        Assert.That((await raw.ReceiveAsync(ct))[0], Is.EqualTo((byte)MessageNumber.KexInit));
        await AssertDisconnectedAsync(raw, server, DisconnectReason.KeyExchangeFailed, "RFC 8731 §3", ct);
    }

    /// <summary>Runs curve25519-sha256 as the client: the server must answer with its host key's signature over H.</summary>
    private static async Task AssertTheServerCompletesTheExchangeAsync(RawClient raw, TestServer server, KexContext context, CancellationToken ct)
    {
        using var kex = new Curve25519KeyExchange();
        await raw.SendAsync(new RawMessage(kex.Start(context).Message!), ct);
        KexResult result = kex.Handle(await raw.ReceiveAsync(ct)).Result!;
        Assert.That(server.HostKey.PublicKey.Verify(result.ExchangeHash, result.Signature), Is.True, "the exchange goes on");
        Assert.That(server.Session.IsConnected, Is.True);
    }

    private static async Task AssertDisconnectedAsync(RawClient raw, TestServer server, DisconnectReason reason, string citation, CancellationToken ct)
    {
        byte[] disconnect = await raw.ReceiveAsync(ct);
        Assert.That(disconnect[0], Is.EqualTo((byte)MessageNumber.Disconnect));
        Assert.That(DisconnectMessage.Read(disconnect).Reason, Is.EqualTo(reason));
        var e = Assert.CatchAsync<SshProtocolException>(() => server.Session.Completion.WaitAsync(ct));
        Assert.That(e!.Reason, Is.EqualTo(reason));
        Assert.That(e.Message, Does.Contain(citation));
    }
}
