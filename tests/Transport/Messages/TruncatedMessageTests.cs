using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Messages;

namespace Ssh.Tests.Transport.Messages;

/// <summary>A message cut short anywhere is a protocol error, never an index exception. (The empty payload is
/// refused by the session before any reader sees it.)</summary>
public sealed class TruncatedMessageTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        var kexInit = new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256", "kex-strict-c-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["aes128-ctr"],
            CiphersServerToClient = ["aes128-ctr"],
            MacsClientToServer = ["hmac-sha2-256"],
            MacsServerToClient = ["hmac-sha2-256"],
            LanguagesClientToServer = ["en"],
            LanguagesServerToClient = ["en"],
        };
        yield return Case("KEXINIT", kexInit.ToPayload(), p => KexInitMessage.Read(p));
        yield return Case("USERAUTH_FAILURE", MessageRoundTripTests.Payload(new UserauthFailureMessage(["password"], false)), p => UserauthFailureMessage.Read(p));
        yield return Case("USERAUTH_PK_OK", MessageRoundTripTests.Payload(new UserauthPkOkMessage("ssh-ed25519", [1, 2, 3])), p => UserauthPkOkMessage.Read(p));
        yield return Case("CHANNEL_OPEN_CONFIRMATION", MessageRoundTripTests.Payload(new ChannelOpenConfirmationMessage(1, 2, 3, 4)), p => ChannelOpenConfirmationMessage.Read(p));
        yield return Case("CHANNEL_OPEN", MessageRoundTripTests.Payload(new ChannelOpenMessage("session", 1, 2, 3, default)), p => ChannelOpenMessage.Read(p));
        yield return Case("CHANNEL_REQUEST", MessageRoundTripTests.Payload(new ChannelRequestMessage(1, "exec", true, default)), p => ChannelRequestMessage.Read(p));
        yield return Case("GLOBAL_REQUEST", MessageRoundTripTests.Payload(new GlobalRequestMessage("keepalive@openssh.com", true, default)), p => GlobalRequestMessage.Read(p));
        yield return Case("EXT_INFO", MessageRoundTripTests.Payload(new ExtInfoMessage([new("server-sig-algs", [0x61])])), p => ExtInfoMessage.Read(p));
        yield return Case("UNIMPLEMENTED", MessageRoundTripTests.Payload(new UnimplementedMessage(5)), p => UnimplementedMessage.Read(p));
    }

    private static TestCaseData Case(string name, byte[] payload, Action<byte[]> read) =>
        new TestCaseData(payload, read).SetArgDisplayNames(name);

    [TestCaseSource(nameof(Cases))]
    public void EveryTruncatedPrefix_IsProtocolError(byte[] payload, Action<byte[]> read)
    {
        Assert.DoesNotThrow(() => read(payload), "the whole message reads");
        for (int length = 1; length < payload.Length; length++)
        {
            byte[] prefix = payload[..length];
            var ex = Assert.Throws<SshProtocolException>(() => read(prefix), $"prefix of {length} of {payload.Length} bytes");
            Assert.That(ex!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
        }
    }
}
