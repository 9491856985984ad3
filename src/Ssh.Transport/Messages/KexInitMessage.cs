using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

/// <summary>RFC 4253 §7.1: byte 20 ‖ byte[16] cookie ‖ 10 name-lists ‖ boolean first_kex_packet_follows ‖ uint32 0.</summary>
internal sealed record KexInitMessage : IMessage
{
    public byte[] Cookie { get; init; } = RandomNumberGenerator.GetBytes(16);
    public string[] KexAlgorithms { get; init; } = [];
    public string[] ServerHostKeyAlgorithms { get; init; } = [];
    public string[] CiphersClientToServer { get; init; } = [];
    public string[] CiphersServerToClient { get; init; } = [];
    public string[] MacsClientToServer { get; init; } = [];
    public string[] MacsServerToClient { get; init; } = [];
    public string[] CompressionClientToServer { get; init; } = ["none"];
    public string[] CompressionServerToClient { get; init; } = ["none"];
    public string[] LanguagesClientToServer { get; init; } = [];
    public string[] LanguagesServerToClient { get; init; } = [];
    public bool FirstKexPacketFollows { get; init; }

    public static KexInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        var m = new KexInitMessage
        {
            Cookie = r.ReadBytes(16).ToArray(),
            KexAlgorithms = r.ReadNameList(),
            ServerHostKeyAlgorithms = r.ReadNameList(),
            CiphersClientToServer = r.ReadNameList(),
            CiphersServerToClient = r.ReadNameList(),
            MacsClientToServer = r.ReadNameList(),
            MacsServerToClient = r.ReadNameList(),
            CompressionClientToServer = r.ReadNameList(),
            CompressionServerToClient = r.ReadNameList(),
            LanguagesClientToServer = r.ReadNameList(),
            LanguagesServerToClient = r.ReadNameList(),
            FirstKexPacketFollows = r.ReadBoolean(),
        };
        r.ReadUInt32(); // reserved
        return m;
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.KexInit);
        w.WriteBytes(Cookie);
        w.WriteNameList(KexAlgorithms);
        w.WriteNameList(ServerHostKeyAlgorithms);
        w.WriteNameList(CiphersClientToServer);
        w.WriteNameList(CiphersServerToClient);
        w.WriteNameList(MacsClientToServer);
        w.WriteNameList(MacsServerToClient);
        w.WriteNameList(CompressionClientToServer);
        w.WriteNameList(CompressionServerToClient);
        w.WriteNameList(LanguagesClientToServer);
        w.WriteNameList(LanguagesServerToClient);
        w.WriteBoolean(FirstKexPacketFollows);
        w.WriteUInt32(0);
    }

    public byte[] ToPayload()
    {
        var buffer = new byte[16384];
        var w = new SshWriter(buffer);
        Write(ref w);
        return w.Written.ToArray();
    }
}
