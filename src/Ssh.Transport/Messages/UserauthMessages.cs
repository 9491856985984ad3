using Ssh.Transport.Wire;

namespace Ssh.Transport.Messages;

// RFC 4252 §5: byte 50 ‖ string user ‖ string service ‖ string method ‖ method-specific fields.
// The method-specific tail is pre-encoded by the caller (password, publickey) so one type serves all methods.
internal readonly record struct UserauthRequestMessage(string User, string Service, string Method, ReadOnlyMemory<byte> MethodFields) : IMessage
{
    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthRequest);
        w.WriteString(User);
        w.WriteString(Service);
        w.WriteString(Method);
        w.WriteBytes(MethodFields.Span);
    }

    /// <summary>Reads the common head; <see cref="MethodFields"/> is what follows the method name.</summary>
    public static UserauthRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        string user = r.ReadString();
        string service = r.ReadString();
        string method = r.ReadString();
        return new UserauthRequestMessage(user, service, method, r.RemainingSpan.ToArray());
    }
}

// RFC 4252 §5.1: byte 51 ‖ name-list methods that can continue ‖ boolean partial success
internal sealed record UserauthFailureMessage(string[] Methods, bool PartialSuccess) : IMessage
{
    public static UserauthFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new UserauthFailureMessage(r.ReadNameList(), r.ReadBoolean());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthFailure);
        w.WriteNameList(Methods);
        w.WriteBoolean(PartialSuccess);
    }
}

// RFC 4252 §5.4: byte 53 ‖ string message ‖ string language
internal readonly record struct UserauthBannerMessage(string Text) : IMessage
{
    public static UserauthBannerMessage Read(ReadOnlySpan<byte> payload) => new(new SshReader(payload[1..]).ReadString());

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthBanner);
        w.WriteString(Text);
        w.WriteString("");
    }
}

// RFC 4252 §7: byte 60 ‖ string algorithm ‖ string key blob
internal sealed record UserauthPkOkMessage(string Algorithm, byte[] KeyBlob) : IMessage
{
    public static UserauthPkOkMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload[1..]);
        return new UserauthPkOkMessage(r.ReadString(), r.ReadBinaryString());
    }

    public void Write(ref SshWriter w)
    {
        w.WriteByte((byte)MessageNumber.UserauthPkOk);
        w.WriteString(Algorithm);
        w.WriteString(KeyBlob);
    }
}

/// <summary>A message that is only its number (USERAUTH_SUCCESS, REQUEST_FAILURE, ...).</summary>
internal readonly record struct EmptyMessage(MessageNumber Number) : IMessage
{
    public void Write(ref SshWriter w) => w.WriteByte((byte)Number);
}
