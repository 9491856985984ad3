using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// The flow of ECDH key exchange (RFC 5656 §4), which curve25519 (RFC 8731) and the hybrid post-quantum methods
/// reuse with the same message numbers and layout:
/// <code>
/// client → server   byte 30 (KEX_ECDH_INIT) ‖ string Q_C
/// server → client   byte 31 (KEX_ECDH_REPLY) ‖ string K_S ‖ string Q_S ‖ string signature of H
/// H = HASH(string V_C ‖ string V_S ‖ string I_C ‖ string I_S ‖ string K_S ‖ string Q_C ‖ string Q_S ‖ K)
/// </code>
/// A subclass supplies the arithmetic: its ephemeral key and the agreement, the checks of Q_C and Q_S, and the
/// encoding of K. Classic Diffie-Hellman (RFC 4253 §8) is the same flow with e and f as mpints, which are strings
/// of their two's-complement bytes, so it reuses this class with its own names and checks.
/// </summary>
internal abstract class EcdhKeyExchange : IKeyExchangeMethod
{
    // RFC 5656 §7.1. They mean this only while such a method is negotiated (RFC 4253 §12: methods reuse 30–49).
    private const byte KexEcdhInit = 30;
    private const byte KexEcdhReply = 31;

    private KexContext? _context;
    private byte[]? _clientPublic; // Q_C: the client hashes it once the reply comes
    private bool _finished;

    public abstract HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Where the method's public values are specified, for error messages (e.g. "RFC 8731 §3").</summary>
    protected abstract string Specification { get; }

    /// <summary>Where the message flow is specified, for error messages.</summary>
    protected virtual string FlowSpecification => "RFC 5656 §4";

    /// <summary>The names of the two messages and of the public values in them, for error messages.</summary>
    protected virtual (string Init, string Reply, string ClientValue, string ServerValue) Names =>
        ("KEX_ECDH_INIT", "KEX_ECDH_REPLY", "Q_C", "Q_S");

    /// <summary>Refuses a public value of the peer (Q_C on the server, Q_S on the client) with an
    /// <see cref="SshProtocolException"/> before any arithmetic sees it; <see cref="CheckLength"/> does the usual.</summary>
    protected abstract void CheckPeerPublic(ReadOnlySpan<byte> value, bool fromClient);

    /// <summary>Client: makes the ephemeral key and returns Q_C.</summary>
    protected abstract byte[] CreateClientPublic();

    /// <summary>Client: the shared secret from Q_S (of the right length), unencoded; refuses a Q_S that gives no
    /// secret with an <see cref="SshProtocolException"/>. The ephemeral key is forgotten either way.</summary>
    protected abstract byte[] AgreeAsClient(ReadOnlySpan<byte> serverPublic);

    /// <summary>Server: answers Q_C (of the right length) with Q_S and returns the shared secret, unencoded.</summary>
    protected abstract byte[] AgreeAsServer(ReadOnlySpan<byte> clientPublic, out byte[] serverPublic);

    /// <summary>K as it enters H and key derivation: for ECDH the secret read as an unsigned big-endian integer,
    /// in an mpint (RFC 5656 §4, RFC 8731 §3.1). Methods that hash K as a string override this.</summary>
    protected virtual byte[] EncodeSharedSecret(ReadOnlySpan<byte> secret) => Mpint.Encode(secret);

    public KexStep Start(KexContext context)
    {
        if (_context is not null) throw new InvalidOperationException("A key exchange method object runs one exchange.");
        _context = context;
        if (!context.IsClient) return KexStep.None;
        _clientPublic = CreateClientPublic();
        return KexStep.Send(new SshBuffer(5 + _clientPublic.Length).WriteByte(KexEcdhInit).WriteString(_clientPublic).ToArray());
    }

    public KexStep Handle(ReadOnlySpan<byte> message)
    {
        KexContext context = _context ?? throw new InvalidOperationException("Start must come before Handle.");
        byte expected = context.IsClient ? KexEcdhReply : KexEcdhInit;
        byte number = message.IsEmpty ? (byte)0 : message[0];
        if (_finished || number != expected)
            throw new SshProtocolException(DisconnectReason.ProtocolError, _finished
                ? $"The peer sent key exchange message {number} after the exchange was complete ({FlowSpecification})."
                : $"The peer sent key exchange message {number} where the exchange expects {expected} ({FlowSpecification}).");
        _finished = true;
        return context.IsClient ? OnReply(context, message) : OnInit(context, message);
    }

    private KexStep OnInit(KexContext context, ReadOnlySpan<byte> message)
    {
        var r = new SshReader(message[1..]);
        ReadOnlySpan<byte> clientPublic = ReadField(ref r, Names.Init);
        EnsureEnd(r, Names.Init);
        CheckPeerPublic(clientPublic, fromClient: true);
        byte[] k = Encode(AgreeAsServer(clientPublic, out byte[] serverPublic));
        try
        {
            byte[] hostKey = context.HostKeyBlob!;
            byte[] h = Hash(context, hostKey, clientPublic, serverPublic, k);
            byte[] signature = context.SignExchangeHash(h);
            byte[] reply = new SshBuffer(13 + hostKey.Length + serverPublic.Length + signature.Length)
                .WriteByte(KexEcdhReply).WriteString(hostKey).WriteString(serverPublic).WriteString(signature).ToArray();
            return new KexStep(reply, new KexResult(k, h, hostKey, signature));
        }
        catch
        {
            CryptographicOperations.ZeroMemory(k);
            throw;
        }
    }

    private KexStep OnReply(KexContext context, ReadOnlySpan<byte> message)
    {
        var r = new SshReader(message[1..]);
        ReadOnlySpan<byte> hostKey = ReadField(ref r, Names.Reply);
        ReadOnlySpan<byte> serverPublic = ReadField(ref r, Names.Reply);
        ReadOnlySpan<byte> signature = ReadField(ref r, Names.Reply);
        EnsureEnd(r, Names.Reply);
        CheckPeerPublic(serverPublic, fromClient: false);
        byte[] k = Encode(AgreeAsClient(serverPublic));
        byte[] h = Hash(context, hostKey, _clientPublic, serverPublic, k);
        return KexStep.Done(new KexResult(k, h, hostKey.ToArray(), signature.ToArray()));
    }

    private byte[] Hash(KexContext context, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> clientPublic,
        ReadOnlySpan<byte> serverPublic, ReadOnlySpan<byte> k)
    {
        using var h = new ExchangeHash(HashAlgorithm, context, hostKey);
        return h.AppendString(clientPublic).AppendString(serverPublic).AppendEncoded(k).Compute();
    }

    private byte[] Encode(byte[] secret)
    {
        try
        {
            return EncodeSharedSecret(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Refuses a value whose length is not <paramref name="expected"/> (RFC 8731 §3 and RFC 5656 §4 abort
    /// the exchange on a wrong length).</summary>
    protected void CheckLength(ReadOnlySpan<byte> value, int expected, bool fromClient)
    {
        if (value.Length != expected)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The peer's {(fromClient ? Names.ClientValue : Names.ServerValue)} is {value.Length} bytes; {Specification} requires {expected}.");
    }

    private ReadOnlySpan<byte> ReadField(ref SshReader r, string messageName)
    {
        try
        {
            return r.ReadStringBytes();
        }
        catch (SshProtocolException e)
        {
            throw new SshProtocolException(e.Reason, $"{messageName} is truncated ({FlowSpecification}): {e.Message}");
        }
    }

    private void EnsureEnd(SshReader r, string messageName)
    {
        if (!r.AtEnd)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"{messageName} has {r.Remaining} bytes after its last field ({FlowSpecification}).");
    }

    public abstract void Dispose();
}
