using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// Every message type's static <c>Read</c>, chosen by the payload's first byte (the message number) as the session
/// does: the transport's (DISCONNECT, UNIMPLEMENTED, SERVICE_REQUEST/ACCEPT, EXT_INFO, KEXINIT), user
/// authentication's (REQUEST, FAILURE, BANNER, PK_OK and keyboard-interactive's INFO_REQUEST/RESPONSE, which share
/// 60 and 61) and the connection protocol's. A KEXINIT that reads is also negotiated against ours, both ways.
/// A message that reads is written back and read again: the round trip must give the same message.
/// </summary>
internal static class MessageTargets
{
    public static FuzzTarget Create() =>
        new("messages", "every message's Read, by message number; KEXINIT negotiated against ours", Run, typeof(SshProtocolException));

    private static readonly KexInitMessage OurKexInit = new()
    {
        Cookie = new byte[16],
        KexAlgorithms = [.. KexRegistry.DefaultNames, KexRegistry.ExtInfoClient, KexRegistry.StrictKexClient],
        ServerHostKeyAlgorithms = [.. HostKeyRegistry.DefaultNames],
        CiphersClientToServer = [.. CipherRegistry.DefaultNames],
        CiphersServerToClient = [.. CipherRegistry.DefaultNames],
        MacsClientToServer = [.. MacRegistry.DefaultNames],
        MacsServerToClient = [.. MacRegistry.DefaultNames],
    };

    private static void Run(byte[] payload)
    {
        var reader = new SshReader(payload);
        switch ((MessageNumber)reader.ReadByte()) // an empty payload (the packet reader hands out none) fails here
        {
            case MessageNumber.Disconnect:
                DisconnectMessage.Read(payload);
                break;
            case MessageNumber.Unimplemented:
                RoundTrip(UnimplementedMessage.Read(payload), UnimplementedMessage.Read);
                break;
            case MessageNumber.ServiceRequest:
            case MessageNumber.ServiceAccept:
                RoundTrip(ServiceMessage.Read(payload), ServiceMessage.Read);
                break;
            case MessageNumber.ExtInfo:
                ExtInfoMessage.Read(payload);
                break;
            case MessageNumber.KexInit:
                KexInit(payload);
                break;
            case MessageNumber.UserauthRequest:
                RoundTrip(UserauthRequestMessage.Read(payload), UserauthRequestMessage.Read, (a, b) =>
                    a.User == b.User && a.Service == b.Service && a.Method == b.Method && a.MethodFields.Span.SequenceEqual(b.MethodFields.Span));
                break;
            case MessageNumber.UserauthFailure:
                RoundTrip(UserauthFailureMessage.Read(payload), UserauthFailureMessage.Read, (a, b) =>
                    a.Methods.SequenceEqual(b.Methods) && a.PartialSuccess == b.PartialSuccess);
                break;
            case MessageNumber.UserauthBanner:
                UserauthBannerMessage.Read(payload);
                break;
            case MessageNumber.UserauthPkOk: // also UserauthInfoRequest: the method in progress decides
                Try(() => UserauthPkOkMessage.Read(payload));
                UserauthInfoRequestMessage.Read(payload);
                break;
            case MessageNumber.UserauthInfoResponse:
                RoundTrip(UserauthInfoResponseMessage.Read(payload), UserauthInfoResponseMessage.Read, (a, b) => a.Responses.SequenceEqual(b.Responses));
                break;
            case MessageNumber.GlobalRequest:
                RoundTrip(GlobalRequestMessage.Read(payload), GlobalRequestMessage.Read, (a, b) =>
                    a.Name == b.Name && a.WantReply == b.WantReply && a.Data.Span.SequenceEqual(b.Data.Span));
                break;
            case MessageNumber.ChannelOpen:
                RoundTrip(ChannelOpenMessage.Read(payload), ChannelOpenMessage.Read, (a, b) =>
                    a with { Data = default } == b with { Data = default } && a.Data.Span.SequenceEqual(b.Data.Span));
                break;
            case MessageNumber.ChannelOpenConfirmation:
                RoundTrip(ChannelOpenConfirmationMessage.Read(payload), ChannelOpenConfirmationMessage.Read);
                break;
            case MessageNumber.ChannelOpenFailure:
                ChannelOpenFailureMessage.Read(payload);
                break;
            case MessageNumber.ChannelRequest:
                RoundTrip(ChannelRequestMessage.Read(payload), ChannelRequestMessage.Read, (a, b) =>
                    a with { Data = default } == b with { Data = default } && a.Data.Span.SequenceEqual(b.Data.Span));
                break;
        }
    }

    private static void KexInit(byte[] payload)
    {
        KexInitMessage peer = KexInitMessage.Read(payload);
        Try(() => Negotiator.Negotiate(OurKexInit, peer, IsAead));
        Try(() => Negotiator.Negotiate(peer, OurKexInit, IsAead));
        Negotiator.GuessWasRight(OurKexInit, peer);
        KexInitMessage again = KexInitMessage.Read(peer.ToPayload());
        if (!again.ToPayload().AsSpan().SequenceEqual(peer.ToPayload()))
            throw new InvalidOperationException("KEXINIT does not survive a write and a read.");
    }

    private static bool IsAead(string cipher) => CipherRegistry.Find(cipher)?.IsAead ?? false;

    /// <summary>Runs a read whose failure is expected for this number (60 is two messages).</summary>
    private static void Try(Action read)
    {
        try
        {
            read();
        }
        catch (SshProtocolException)
        {
        }
    }

    private static readonly byte[] WriteBuffer = new byte[256 * 1024];

    private delegate T Reader<T>(ReadOnlySpan<byte> payload);

    private static void RoundTrip<T>(T message, Reader<T> read, Func<T, T, bool>? same = null) where T : IMessage
    {
        var writer = new SshWriter(WriteBuffer);
        message.Write(ref writer);
        T again = read(writer.Written);
        if (!(same?.Invoke(message, again) ?? EqualityComparer<T>.Default.Equals(message, again)))
            throw new InvalidOperationException($"{typeof(T).Name} does not survive a write and a read: {message} became {again}.");
    }
}
