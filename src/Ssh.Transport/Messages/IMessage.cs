using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

/// <summary>A message that writes itself, message number first, into a packet's payload.</summary>
internal interface IMessage
{
    void Write(ref SshWriter writer);
}

/// <summary>A payload built elsewhere (already encoded, message number included).</summary>
internal readonly record struct RawMessage(ReadOnlyMemory<byte> Payload) : IMessage
{
    public void Write(ref SshWriter writer) => writer.WriteBytes(Payload.Span);
}
