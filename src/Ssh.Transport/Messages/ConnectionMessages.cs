using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

// RFC 4254 §4: byte 80 ‖ string name ‖ boolean want reply ‖ request-specific data
internal readonly record struct GlobalRequestMessage(string Name, bool WantReply, ReadOnlyMemory<byte> Data) : IMessage
{
    public static GlobalRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new GlobalRequestMessage(r.ReadString(), r.ReadBoolean(), r.RemainingSpan.ToArray());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.GlobalRequest);
        w.WriteString(Name);
        w.WriteBoolean(WantReply);
        w.WriteBytes(Data.Span);
    }
}

// RFC 4254 §4: byte 81 ‖ request-specific data
internal readonly record struct RequestSuccessMessage(ReadOnlyMemory<byte> Data) : IMessage
{
    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.RequestSuccess);
        w.WriteBytes(Data.Span);
    }
}

// RFC 4254 §5.1: byte 90 ‖ string type ‖ uint32 sender ‖ uint32 window ‖ uint32 max packet ‖ type-specific data
internal readonly record struct ChannelOpenMessage(string ChannelType, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize, ReadOnlyMemory<byte> Data) : IMessage
{
    public static ChannelOpenMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new ChannelOpenMessage(r.ReadString(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.RemainingSpan.ToArray());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ChannelOpen);
        w.WriteString(ChannelType);
        w.WriteUInt32(SenderChannel);
        w.WriteUInt32(InitialWindowSize);
        w.WriteUInt32(MaximumPacketSize);
        w.WriteBytes(Data.Span);
    }
}

// RFC 4254 §5.1: byte 91 ‖ uint32 recipient ‖ uint32 sender ‖ uint32 window ‖ uint32 max packet ‖ type-specific data
internal readonly record struct ChannelOpenConfirmationMessage(uint RecipientChannel, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize) : IMessage
{
    public static ChannelOpenConfirmationMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new ChannelOpenConfirmationMessage(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ChannelOpenConfirmation);
        w.WriteUInt32(RecipientChannel);
        w.WriteUInt32(SenderChannel);
        w.WriteUInt32(InitialWindowSize);
        w.WriteUInt32(MaximumPacketSize);
    }
}


// RFC 4254 §5.1: byte 92 ‖ uint32 recipient ‖ uint32 reason ‖ string description ‖ string language
internal readonly record struct ChannelOpenFailureMessage(uint RecipientChannel, ChannelOpenFailureReason Reason, string Description) : IMessage
{
    public static ChannelOpenFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new ChannelOpenFailureMessage(r.ReadUInt32(), (ChannelOpenFailureReason)r.ReadUInt32(), r.ReadString());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ChannelOpenFailure);
        w.WriteUInt32(RecipientChannel);
        w.WriteUInt32((uint)Reason);
        w.WriteString(Description);
        w.WriteString("");
    }
}

// RFC 4254 §5.2: byte 93 ‖ uint32 recipient ‖ uint32 bytes to add
internal readonly record struct ChannelWindowAdjustMessage(uint RecipientChannel, uint BytesToAdd) : IMessage
{
    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ChannelWindowAdjust);
        w.WriteUInt32(RecipientChannel);
        w.WriteUInt32(BytesToAdd);
    }
}

// RFC 4254 §5.2: byte 94 ‖ uint32 recipient ‖ string data; byte 95 ‖ uint32 recipient ‖ uint32 type code ‖ string data.
// The hot path: the data is copied once, straight into the packet buffer.
internal readonly record struct ChannelDataMessage(uint RecipientChannel, uint ExtendedType, ReadOnlyMemory<byte> Data) : IMessage
{
    public const int HeaderSize = 1 + 4 + 4;
    public const int ExtendedHeaderSize = 1 + 4 + 4 + 4;

    public void Write(ref SshWriter w)
    {
        if (ExtendedType == 0)
        {
            w.WriteByte((byte)MessageNumber.ChannelData);
            w.WriteUInt32(RecipientChannel);
        }
        else
        {
            w.WriteByte((byte)MessageNumber.ChannelExtendedData);
            w.WriteUInt32(RecipientChannel);
            w.WriteUInt32(ExtendedType);
        }
        w.WriteString(Data.Span);
    }
}

// RFC 4254 §5.3: byte 96/97 ‖ uint32 recipient (EOF, CLOSE); §5.4: byte 99/100 (SUCCESS, FAILURE)
internal readonly record struct ChannelSignalMessage(MessageNumber Number, uint RecipientChannel) : IMessage
{
    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)Number);
        w.WriteUInt32(RecipientChannel);
    }
}

// RFC 4254 §5.4: byte 98 ‖ uint32 recipient ‖ string request type ‖ boolean want reply ‖ type-specific data
internal readonly record struct ChannelRequestMessage(uint RecipientChannel, string RequestType, bool WantReply, ReadOnlyMemory<byte> Data) : IMessage
{
    public static ChannelRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new ChannelRequestMessage(r.ReadUInt32(), r.ReadString(), r.ReadBoolean(), r.RemainingSpan.ToArray());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.ChannelRequest);
        w.WriteUInt32(RecipientChannel);
        w.WriteString(RequestType);
        w.WriteBoolean(WantReply);
        w.WriteBytes(Data.Span);
    }
}
