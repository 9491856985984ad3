using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// <c>diffie-hellman-group-exchange-sha256</c> and, off by default, <c>-sha1</c> (RFC 4419): the client asks for a
/// group size, the server picks a group (from its moduli file or the built-in set), then Diffie-Hellman over it.
/// <code>
/// C → S  byte 34 GEX_REQUEST ‖ uint32 min ‖ uint32 n ‖ uint32 max
/// S → C  byte 31 GEX_GROUP   ‖ mpint p ‖ mpint g
/// C → S  byte 32 GEX_INIT    ‖ mpint e
/// S → C  byte 33 GEX_REPLY   ‖ string K_S ‖ mpint f ‖ string signature of H
/// H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ uint32 min ‖ uint32 n ‖ uint32 max ‖ mpint p ‖ mpint g ‖ mpint e ‖ mpint f ‖ mpint K)
/// </code>
/// </summary>
internal sealed class DhGroupExchange : IKeyExchangeMethod
{
    private const byte Group = 31, Init = 32, Reply = 33, Request = 34;
    private const string Spec = "RFC 4419 §3";

    /// <summary>What our client asks for: OpenSSH's DH_GRP_MIN, the size it prefers for 128-bit keys, DH_GRP_MAX.</summary>
    public const int ClientMin = DhModuli.MinimumBits, ClientPreferred = 3072, ClientMax = DhModuli.MaximumBits;

    private readonly Func<int, int, int, DhGroup?>? _chooseGroup;
    private KexContext? _context;
    private byte _expected;
    private uint _min, _n, _max;
    private DhGroup? _group;
    private byte[]? _x;
    private byte[]? _e;

    /// <param name="hash">HASH of the method (SHA-256, or SHA-1 for the legacy one).</param>
    /// <param name="chooseGroup">Server: picks a group for (min, n, max), null when none fits.</param>
    public DhGroupExchange(HashAlgorithmName hash, Func<int, int, int, DhGroup?>? chooseGroup = null)
    {
        HashAlgorithm = hash;
        _chooseGroup = chooseGroup;
    }

    public HashAlgorithmName HashAlgorithm { get; }

    public KexStep Start(KexContext context)
    {
        if (_context is not null) throw new InvalidOperationException("A key exchange method object runs one exchange.");
        _context = context;
        if (!context.IsClient)
        {
            _expected = Request;
            return KexStep.None;
        }
        (_min, _n, _max) = (ClientMin, ClientPreferred, ClientMax);
        _expected = Group;
        return KexStep.Send(new SshBuffer(13).WriteByte(Request).WriteUInt32(_min).WriteUInt32(_n).WriteUInt32(_max).ToArray());
    }

    public KexStep Handle(ReadOnlySpan<byte> message)
    {
        KexContext context = _context ?? throw new InvalidOperationException("Start must come before Handle.");
        byte number = message.IsEmpty ? (byte)0 : message[0];
        if (number != _expected || _expected == 0)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent key exchange message {number} where group exchange expects {(_expected == 0 ? "nothing" : _expected)} ({Spec}).");
        var r = new SshReader(message[1..]);
        try
        {
            return number switch
            {
                Request => OnRequest(ref r),
                Group => OnGroup(ref r),
                Init => OnInit(context, ref r),
                _ => OnReply(context, ref r),
            };
        }
        catch (SshProtocolException e) when (e.Reason == DisconnectReason.ProtocolError && !e.Message.Contains(Spec, StringComparison.Ordinal))
        {
            throw new SshProtocolException(e.Reason, $"Group exchange message {number} is malformed ({Spec}): {e.Message}");
        }
    }

    private KexStep OnRequest(ref SshReader r)
    {
        _min = r.ReadUInt32();
        _n = r.ReadUInt32();
        _max = r.ReadUInt32();
        End(r);
        if (_min > _n || _n > _max || _max > int.MaxValue)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The client asked for a group of min {_min}, preferred {_n}, max {_max} bits, which is not min <= n <= max ({Spec}).");
        _group = (_chooseGroup ?? ((min, n, max) => DhModuli.BuiltIn.Choose(min, n, max)))((int)_min, (int)_n, (int)_max)
            ?? throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"No group between {Math.Max(_min, DhModuli.MinimumBits)} and {_max} bits: the client asked for min {_min}, max {_max}, and we serve {DhModuli.MinimumBits} to {DhModuli.MaximumBits} ({Spec}, RFC 8270).");
        _expected = Init;
        return KexStep.Send(new SshBuffer(16 + _group.Bits / 8).WriteByte(Group)
            .WriteString(DhGroup.MpintBytes(_group.P)).WriteString(DhGroup.MpintBytes(_group.G)).ToArray());
    }

    private KexStep OnGroup(ref SshReader r)
    {
        BigInteger p = DhGroup.ReadMpint(r.ReadStringBytes(), "p", Spec);
        BigInteger g = DhGroup.ReadMpint(r.ReadStringBytes(), "g", Spec);
        End(r);
        long bits = (long)p.GetBitLength();
        if (bits < _min || bits > _max)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server offered a {bits}-bit group; we asked for {_min} to {_max} bits ({Spec}).");
        if (p.IsEven || g <= BigInteger.One || g >= p - 1)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, $"The server's group has an invalid prime or generator ({Spec}).");
        _group = new DhGroup(p, g);
        _x = _group.CreatePrivate(2 * HashBits);
        _e = _group.PublicValue(_x);
        _expected = Reply;
        return KexStep.Send(new SshBuffer(8 + _e.Length).WriteByte(Init).WriteString(_e).ToArray());
    }

    private KexStep OnInit(KexContext context, ref SshReader r)
    {
        DhGroup group = _group!;
        ReadOnlySpan<byte> e = r.ReadStringBytes();
        End(r);
        byte[] peer = group.ReadPeerPublic(e, "e", Spec);
        _x = group.CreatePrivate(2 * HashBits);
        byte[] f = group.PublicValue(_x);
        byte[] k = Agree(peer);
        try
        {
            byte[] hostKey = context.HostKeyBlob!;
            byte[] h = Hash(context, hostKey, e, f, k);
            byte[] signature = context.SignExchangeHash(h);
            _expected = 0;
            byte[] reply = new SshBuffer(16 + hostKey.Length + f.Length + signature.Length)
                .WriteByte(Reply).WriteString(hostKey).WriteString(f).WriteString(signature).ToArray();
            return new KexStep(reply, new KexResult(k, h, hostKey, signature));
        }
        catch
        {
            CryptographicOperations.ZeroMemory(k);
            throw;
        }
    }

    private KexStep OnReply(KexContext context, ref SshReader r)
    {
        ReadOnlySpan<byte> hostKey = r.ReadStringBytes();
        ReadOnlySpan<byte> f = r.ReadStringBytes();
        ReadOnlySpan<byte> signature = r.ReadStringBytes();
        End(r);
        byte[] k = Agree(_group!.ReadPeerPublic(f, "f", Spec));
        _expected = 0;
        return KexStep.Done(new KexResult(k, Hash(context, hostKey, _e, f, k), hostKey.ToArray(), signature.ToArray()));
    }

    private byte[] Agree(byte[] peer)
    {
        byte[] raw = _group!.Agree(peer, _x ?? throw new InvalidOperationException("The exponent comes first."));
        Dispose();
        try
        {
            return Mpint.Encode(raw);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    private byte[] Hash(KexContext context, ReadOnlySpan<byte> hostKey, ReadOnlySpan<byte> e, ReadOnlySpan<byte> f, ReadOnlySpan<byte> k)
    {
        Span<byte> sizes = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(sizes, _min);
        BinaryPrimitives.WriteUInt32BigEndian(sizes[4..], _n);
        BinaryPrimitives.WriteUInt32BigEndian(sizes[8..], _max);
        using var h = new ExchangeHash(HashAlgorithm, context, hostKey);
        return h.AppendEncoded(sizes).AppendString(DhGroup.MpintBytes(_group!.P)).AppendString(DhGroup.MpintBytes(_group.G))
            .AppendString(e).AppendString(f).AppendEncoded(k).Compute();
    }

    private static void End(SshReader r)
    {
        if (!r.AtEnd)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"A group exchange message has {r.Remaining} bytes after its last field ({Spec}).");
    }

    private int HashBits => HashAlgorithm == HashAlgorithmName.SHA1 ? 160 : 256;

    public void Dispose()
    {
        if (_x is not null) CryptographicOperations.ZeroMemory(_x);
        _x = null;
    }
}
