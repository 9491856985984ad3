using Ssh.Transport.Auth;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

// RFC 4256 §3.2: byte 60 ‖ string name ‖ string instruction ‖ string language ‖ int num-prompts ‖ (string prompt ‖ boolean echo)*
internal sealed record UserauthInfoRequestMessage(InteractiveQuery Query) : IMessage
{
    public static UserauthInfoRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        string name = r.ReadString();
        string instruction = r.ReadString();
        r.ReadStringBytes();
        uint count = r.ReadUInt32();
        if (count > 64) throw new SshProtocolException(DisconnectReason.ProtocolError, "Too many keyboard-interactive prompts.");
        var prompts = new InteractivePrompt[count];
        for (int i = 0; i < count; i++) prompts[i] = new InteractivePrompt(r.ReadString(), r.ReadBoolean());
        return new UserauthInfoRequestMessage(new InteractiveQuery(name, instruction, prompts));
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthInfoRequest);
        w.WriteString(Query.Name);
        w.WriteString(Query.Instructions);
        w.WriteString("");
        w.WriteUInt32((uint)Query.Prompts.Count);
        foreach (InteractivePrompt p in Query.Prompts)
        {
            w.WriteString(p.Text);
            w.WriteBoolean(p.Echo);
        }
    }
}

// RFC 4256 §3.4: byte 61 ‖ int num-responses ‖ string response*
internal sealed record UserauthInfoResponseMessage(IReadOnlyList<string> Responses) : IMessage
{
    public static UserauthInfoResponseMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        uint count = r.ReadUInt32();
        if (count > 64) throw new SshProtocolException(DisconnectReason.ProtocolError, "Too many keyboard-interactive responses.");
        var responses = new string[count];
        for (int i = 0; i < count; i++) responses[i] = r.ReadString();
        return new UserauthInfoResponseMessage(responses);
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthInfoResponse);
        w.WriteUInt32((uint)Responses.Count);
        foreach (string s in Responses) w.WriteString(s);
    }
}
