using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.Messages;

/// <summary>Every message in Messages/ written and read back; the ones without a reader are decoded by hand
/// against their RFC layout.</summary>
public sealed class MessageRoundTripTests
{
    internal static byte[] Payload<T>(T message) where T : IMessage
    {
        var buffer = new byte[64 * 1024];
        new Span<byte>(buffer).Fill(0xFF); // bytes the message forgets to set would show up
        var w = new SshWriter(buffer);
        message.Write(ref w);
        return w.Written.ToArray();
    }

    private static readonly byte[] Blob = [1, 2, 3, 0, 0xFF];

    [Test]
    public void Disconnect()
    {
        byte[] p = Payload(new DisconnectMessage(DisconnectReason.MacError, "bad mac"));
        Assert.That(p[0], Is.EqualTo((byte)MessageNumber.Disconnect));
        DisconnectMessage m = DisconnectMessage.Read(p);
        Assert.That(m, Is.EqualTo(new DisconnectMessage(DisconnectReason.MacError, "bad mac")));
        // The language tag is optional on input (some peers omit it).
        Assert.That(DisconnectMessage.Read(p[..^4]).Description, Is.EqualTo("bad mac"));
    }

    [Test]
    public void Ignore()
    {
        byte[] p = Payload(new IgnoreMessage(5));
        var r = new SshReader(p);
        Assert.That(r.ReadByte(), Is.EqualTo((byte)MessageNumber.Ignore));
        Assert.That(r.ReadStringBytes().Length, Is.EqualTo(5));
        r.EnsureEnd("IGNORE");
    }

    [Test]
    public void Unimplemented()
    {
        byte[] p = Payload(new UnimplementedMessage(0xFFFFFFFE));
        Assert.That(p, Is.EqualTo(new byte[] { 3, 0xFF, 0xFF, 0xFF, 0xFE }));
        Assert.That(UnimplementedMessage.Read(p).SequenceNumber, Is.EqualTo(0xFFFFFFFE));
    }

    [TestCase((byte)MessageNumber.ServiceRequest)]
    [TestCase((byte)MessageNumber.ServiceAccept)]
    public void Service(byte numberByte)
    {
        var number = (MessageNumber)numberByte;
        var sent = new ServiceMessage(number, "ssh-userauth");
        Assert.That(ServiceMessage.Read(Payload(sent)), Is.EqualTo(sent));
    }

    [Test]
    public void ExtInfo()
    {
        var sent = new ExtInfoMessage([new("server-sig-algs", "ssh-ed25519"u8.ToArray()), new("no-flow-control", "p"u8.ToArray())]);
        ExtInfoMessage read = ExtInfoMessage.Read(Payload(sent));
        Assert.That(read.Extensions.Select(e => e.Key), Is.EqualTo(new[] { "server-sig-algs", "no-flow-control" }));
        Assert.That(read.Extensions.Select(e => e.Value), Is.EqualTo(sent.Extensions.Select(e => e.Value)));
    }

    [Test]
    public void ExtInfo_AbsurdCount_IsRejectedBeforeAllocating()
    {
        byte[] p = new SshBuffer().WriteByte(7).WriteUInt32(uint.MaxValue).ToArray();
        Assert.Throws<SshProtocolException>(() => ExtInfoMessage.Read(p));
    }

    [Test]
    public void NewKeys() => Assert.That(Payload(new NewKeysMessage()), Is.EqualTo(new byte[] { 21 }));

    [Test]
    public void KexInit()
    {
        var sent = new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256", "ext-info-c"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["aes128-ctr"],
            CiphersServerToClient = ["aes256-ctr", "aes128-ctr"],
            MacsClientToServer = ["hmac-sha2-256"],
            MacsServerToClient = [],
            CompressionClientToServer = ["none", "zlib@openssh.com"],
            CompressionServerToClient = ["none"],
            LanguagesClientToServer = [],
            LanguagesServerToClient = ["en"],
            FirstKexPacketFollows = true,
        };
        byte[] p = sent.ToPayload();
        Assert.That(p, Is.EqualTo(Payload(sent)));
        Assert.That(p[^4..], Is.EqualTo(new byte[4]), "reserved uint32 0");
        KexInitMessage read = KexInitMessage.Read(p);
        Assert.Multiple(() =>
        {
            Assert.That(read.Cookie, Is.EqualTo(sent.Cookie));
            Assert.That(read.KexAlgorithms, Is.EqualTo(sent.KexAlgorithms));
            Assert.That(read.ServerHostKeyAlgorithms, Is.EqualTo(sent.ServerHostKeyAlgorithms));
            Assert.That(read.CiphersClientToServer, Is.EqualTo(sent.CiphersClientToServer));
            Assert.That(read.CiphersServerToClient, Is.EqualTo(sent.CiphersServerToClient));
            Assert.That(read.MacsClientToServer, Is.EqualTo(sent.MacsClientToServer));
            Assert.That(read.MacsServerToClient, Is.EqualTo(sent.MacsServerToClient));
            Assert.That(read.CompressionClientToServer, Is.EqualTo(sent.CompressionClientToServer));
            Assert.That(read.CompressionServerToClient, Is.EqualTo(sent.CompressionServerToClient));
            Assert.That(read.LanguagesClientToServer, Is.EqualTo(sent.LanguagesClientToServer));
            Assert.That(read.LanguagesServerToClient, Is.EqualTo(sent.LanguagesServerToClient));
            Assert.That(read.FirstKexPacketFollows, Is.True);
        });
    }

    [Test]
    public void UserauthRequest()
    {
        byte[] fields = new SshBuffer().WriteBoolean(false).WriteString("secret").ToArray();
        UserauthRequestMessage read = UserauthRequestMessage.Read(Payload(new UserauthRequestMessage("bob", "ssh-connection", "password", fields)));
        Assert.That((read.User, read.Service, read.Method), Is.EqualTo(("bob", "ssh-connection", "password")));
        Assert.That(read.MethodFields.ToArray(), Is.EqualTo(fields));
    }

    [Test]
    public void UserauthFailure()
    {
        UserauthFailureMessage read = UserauthFailureMessage.Read(Payload(new UserauthFailureMessage(["publickey", "password"], true)));
        Assert.That(read.Methods, Is.EqualTo(new[] { "publickey", "password" }));
        Assert.That(read.PartialSuccess, Is.True);
    }

    [Test]
    public void UserauthBanner()
    {
        var sent = new UserauthBannerMessage("Welcome\r\n");
        Assert.That(UserauthBannerMessage.Read(Payload(sent)), Is.EqualTo(sent));
    }

    [Test]
    public void UserauthPkOk()
    {
        UserauthPkOkMessage read = UserauthPkOkMessage.Read(Payload(new UserauthPkOkMessage("ssh-ed25519", Blob)));
        Assert.That(read.Algorithm, Is.EqualTo("ssh-ed25519"));
        Assert.That(read.KeyBlob, Is.EqualTo(Blob));
    }

    [TestCase((byte)MessageNumber.UserauthSuccess)]
    [TestCase((byte)MessageNumber.RequestFailure)]
    public void Empty(byte numberByte) => Assert.That(Payload(new EmptyMessage((MessageNumber)numberByte)), Is.EqualTo(new[] { numberByte }));

    [Test]
    public void Raw() => Assert.That(Payload(new RawMessage(Blob)), Is.EqualTo(Blob));

    [Test]
    public void GlobalRequest()
    {
        GlobalRequestMessage read = GlobalRequestMessage.Read(Payload(new GlobalRequestMessage("tcpip-forward", true, Blob)));
        Assert.That((read.Name, read.WantReply), Is.EqualTo(("tcpip-forward", true)));
        Assert.That(read.Data.ToArray(), Is.EqualTo(Blob));
    }

    [Test]
    public void RequestSuccess()
    {
        byte[] expected = [81, .. Blob];
        Assert.That(Payload(new RequestSuccessMessage(Blob)), Is.EqualTo(expected));
    }

    [Test]
    public void ChannelOpen()
    {
        ChannelOpenMessage read = ChannelOpenMessage.Read(Payload(new ChannelOpenMessage("session", 3, 2097152, 32768, Blob)));
        Assert.That((read.ChannelType, read.SenderChannel, read.InitialWindowSize, read.MaximumPacketSize),
            Is.EqualTo(("session", 3u, 2097152u, 32768u)));
        Assert.That(read.Data.ToArray(), Is.EqualTo(Blob));
    }

    [Test]
    public void ChannelOpenConfirmation()
    {
        var sent = new ChannelOpenConfirmationMessage(1, 2, 3, 4);
        Assert.That(ChannelOpenConfirmationMessage.Read(Payload(sent)), Is.EqualTo(sent));
    }

    [Test]
    public void ChannelOpenFailure()
    {
        var sent = new ChannelOpenFailureMessage(5, ChannelOpenFailureReason.ConnectFailed, "refused");
        Assert.That(ChannelOpenFailureMessage.Read(Payload(sent)), Is.EqualTo(sent));
    }

    [Test]
    public void ChannelWindowAdjust() =>
        Assert.That(Payload(new ChannelWindowAdjustMessage(1, 0x10000)), Is.EqualTo(new byte[] { 93, 0, 0, 0, 1, 0, 1, 0, 0 }));

    [Test]
    public void ChannelData()
    {
        byte[] p = Payload(new ChannelDataMessage(7, 0, Blob));
        Assert.That(p.Length, Is.EqualTo(ChannelDataMessage.HeaderSize + Blob.Length));
        var r = new SshReader(p);
        Assert.That(r.ReadByte(), Is.EqualTo((byte)MessageNumber.ChannelData));
        Assert.That(r.ReadUInt32(), Is.EqualTo(7u));
        Assert.That(r.ReadBinaryString(), Is.EqualTo(Blob));
        r.EnsureEnd("CHANNEL_DATA");
    }

    [Test]
    public void ChannelExtendedData()
    {
        byte[] p = Payload(new ChannelDataMessage(7, 1, Blob));
        Assert.That(p.Length, Is.EqualTo(ChannelDataMessage.ExtendedHeaderSize + Blob.Length));
        var r = new SshReader(p);
        Assert.That(r.ReadByte(), Is.EqualTo((byte)MessageNumber.ChannelExtendedData));
        Assert.That(r.ReadUInt32(), Is.EqualTo(7u));
        Assert.That(r.ReadUInt32(), Is.EqualTo(1u));
        Assert.That(r.ReadBinaryString(), Is.EqualTo(Blob));
        r.EnsureEnd("CHANNEL_EXTENDED_DATA");
    }

    [TestCase((byte)MessageNumber.ChannelEof)]
    [TestCase((byte)MessageNumber.ChannelClose)]
    [TestCase((byte)MessageNumber.ChannelSuccess)]
    [TestCase((byte)MessageNumber.ChannelFailure)]
    public void ChannelSignal(byte numberByte) =>
        Assert.That(Payload(new ChannelSignalMessage((MessageNumber)numberByte, 0x01020304)), Is.EqualTo(new byte[] { numberByte, 1, 2, 3, 4 }));

    [Test]
    public void ChannelRequest()
    {
        byte[] data = new SshBuffer().WriteString("ls").ToArray();
        ChannelRequestMessage read = ChannelRequestMessage.Read(Payload(new ChannelRequestMessage(9, "exec", true, data)));
        Assert.That((read.RecipientChannel, read.RequestType, read.WantReply), Is.EqualTo((9u, "exec", true)));
        Assert.That(read.Data.ToArray(), Is.EqualTo(data));
    }
}
