using System.Buffers.Binary;
using System.Security.Cryptography;
using Ssh.Transport.Platform;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>
/// <c>chacha20-poly1305@openssh.com</c> (OpenSSH PROTOCOL.chacha20poly1305) on the platform's libcrypto: its raw
/// ChaCha20 (EVP_chacha20) for every keystream byte and its Poly1305 (EVP_MAC), both vectorised. The managed
/// <see cref="ChaCha20Poly1305PacketCipher"/> does the same where libcrypto is missing; the two agree byte for byte.
/// </summary>
/// <remarks>
/// OpenSSL's ChaCha20 takes a 16-byte IV: a 32-bit little-endian block counter, then the 96-bit nonce. OpenSSH's
/// layout is a 64-bit counter and the 64-bit big-endian sequence number, which is the same state when the IV is
/// <c>uint32le(counter) ‖ 0^4 ‖ 0^4 ‖ uint32be(seq)</c> (the sequence number is 32 bits here). Per packet: block 0 of
/// K_2 gives the Poly1305 key and the same context runs on from block 1 over the payload; K_1 from block 0 encrypts
/// the length. Nothing is allocated per packet.
/// </remarks>
internal sealed unsafe class OpenSslChaCha20Poly1305PacketCipher : IPacketCipher
{
    private const int Tag = Poly1305.TagBytes;

    private static readonly Api? Functions = Api.TryLoad();

    private readonly IntPtr _payload;  // EVP_CIPHER_CTX keyed with K_2
    private readonly IntPtr _length;   // EVP_CIPHER_CTX keyed with K_1
    private readonly IntPtr _mac;      // EVP_MAC_CTX for Poly1305
    private int _disposed;

    /// <summary>True where libcrypto offers ChaCha20 and Poly1305.</summary>
    public static bool IsSupported => Functions is not null;

    public OpenSslChaCha20Poly1305PacketCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != ChaCha20Poly1305PacketCipher.KeySize)
            throw new ArgumentException($"{ChaCha20Poly1305PacketCipher.Name} takes a {ChaCha20Poly1305PacketCipher.KeySize}-byte key, not {key.Length} bytes.", nameof(key));
        Api api = Functions ?? throw new PlatformNotSupportedException("libcrypto's ChaCha20 and Poly1305 are not available.");
        _payload = api.NewCipher(key[..32]);
        _length = api.NewCipher(key[32..]);
        _mac = api.NewMac();
    }

    public int BlockSize => 8;
    public int TagSize => Tag;
    public int LengthBytesNeeded => 4;
    public bool LengthExcludedFromAlignment => true;

    public uint DecryptLength(uint sequenceNumber, ReadOnlySpan<byte> firstBytes)
    {
        Span<byte> length = stackalloc byte[4];
        firstBytes[..4].CopyTo(length);
        Functions!.Xor(_length, sequenceNumber, counter: 0, length);
        return BinaryPrimitives.ReadUInt32BigEndian(length);
    }

    public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag)
    {
        if (packet.Length < 4)
            throw new ArgumentException("A packet starts with its 4-byte length.", nameof(packet));
        Api api = Functions!;
        api.Xor(_length, sequenceNumber, counter: 0, packet[..4]);
        Span<byte> polyKey = stackalloc byte[ChaCha20.BlockBytes];
        polyKey.Clear();
        api.Xor(_payload, sequenceNumber, counter: 0, polyKey); // block 0: the Poly1305 key
        api.Continue(_payload, packet[4..]);                    // blocks 1...: the payload
        api.Poly1305(_mac, polyKey[..Poly1305.KeyBytes], packet, tag[..Tag]);
        CryptographicOperations.ZeroMemory(polyKey);
    }

    public void Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
    {
        if (packet.Length < 4 || tag.Length != Tag)
            throw new SshProtocolException(DisconnectReason.MacError, "The packet or its Poly1305 tag is truncated.");
        Api api = Functions!;
        Span<byte> polyKey = stackalloc byte[ChaCha20.BlockBytes];
        Span<byte> expected = stackalloc byte[Tag];
        polyKey.Clear();
        api.Xor(_payload, sequenceNumber, counter: 0, polyKey);
        api.Poly1305(_mac, polyKey[..Poly1305.KeyBytes], packet, expected);
        CryptographicOperations.ZeroMemory(polyKey);
        if (!CryptographicOperations.FixedTimeEquals(expected, tag))
        {
            CryptographicOperations.ZeroMemory(packet);
            throw new SshProtocolException(DisconnectReason.MacError, "The packet's Poly1305 tag is wrong: the data was corrupted or tampered with.");
        }
        api.Xor(_length, sequenceNumber, counter: 0, packet[..4]);
        api.Continue(_payload, packet[4..]);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || Functions is not { } api) return;
        api.FreeCipher(_payload); // OpenSSL cleanses the key schedule as it frees
        api.FreeCipher(_length);
        api.FreeMac(_mac);
    }

    /// <summary>The libcrypto functions, bound once.</summary>
    private sealed class Api
    {
        private readonly delegate* unmanaged<IntPtr> _chacha20;
        private readonly delegate* unmanaged<IntPtr> _cipherCtxNew;
        private readonly delegate* unmanaged<IntPtr, void> _cipherCtxFree;
        private readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, byte*, int> _encryptInit;
        private readonly delegate* unmanaged<IntPtr, byte*, int*, byte*, int, int> _encryptUpdate;
        private readonly delegate* unmanaged<IntPtr, byte*, byte*, IntPtr> _macFetch;
        private readonly delegate* unmanaged<IntPtr, IntPtr> _macCtxNew;
        private readonly delegate* unmanaged<IntPtr, void> _macCtxFree;
        private readonly delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int> _macInit;
        private readonly delegate* unmanaged<IntPtr, byte*, nuint, int> _macUpdate;
        private readonly delegate* unmanaged<IntPtr, byte*, nuint*, nuint, int> _macFinal;
        private readonly IntPtr _cipher;
        private readonly IntPtr _poly1305;

        private Api()
        {
            _chacha20 = (delegate* unmanaged<IntPtr>)Export("EVP_chacha20");
            _cipherCtxNew = (delegate* unmanaged<IntPtr>)Export("EVP_CIPHER_CTX_new");
            _cipherCtxFree = (delegate* unmanaged<IntPtr, void>)Export("EVP_CIPHER_CTX_free");
            _encryptInit = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, byte*, int>)Export("EVP_EncryptInit_ex");
            _encryptUpdate = (delegate* unmanaged<IntPtr, byte*, int*, byte*, int, int>)Export("EVP_EncryptUpdate");
            _macFetch = (delegate* unmanaged<IntPtr, byte*, byte*, IntPtr>)Export("EVP_MAC_fetch");
            _macCtxNew = (delegate* unmanaged<IntPtr, IntPtr>)Export("EVP_MAC_CTX_new");
            _macCtxFree = (delegate* unmanaged<IntPtr, void>)Export("EVP_MAC_CTX_free");
            _macInit = (delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int>)Export("EVP_MAC_init");
            _macUpdate = (delegate* unmanaged<IntPtr, byte*, nuint, int>)Export("EVP_MAC_update");
            _macFinal = (delegate* unmanaged<IntPtr, byte*, nuint*, nuint, int>)Export("EVP_MAC_final");
            _cipher = _chacha20();
            fixed (byte* name = "POLY1305\0"u8)
                _poly1305 = _macFetch(0, name, null);
            if (_cipher == 0 || _poly1305 == 0) throw new EntryPointNotFoundException("libcrypto offers no ChaCha20 or no Poly1305.");
        }

        private static IntPtr Export(string name) =>
            LibCrypto.Export(name) is not 0 and var address ? address : throw new EntryPointNotFoundException(name);

        public static Api? TryLoad()
        {
            try
            {
                return LibCrypto.Handle == 0 ? null : new Api();
            }
            catch (EntryPointNotFoundException)
            {
                return null; // OpenSSL before 3.0 (no EVP_MAC), or one built without these: the managed cipher serves
            }
        }

        public IntPtr NewCipher(ReadOnlySpan<byte> key)
        {
            IntPtr ctx = _cipherCtxNew();
            if (ctx == 0) throw new CryptographicException("EVP_CIPHER_CTX_new failed.");
            fixed (byte* k = key)
            {
                if (_encryptInit(ctx, _cipher, 0, k, null) != 1)
                {
                    _cipherCtxFree(ctx);
                    throw new CryptographicException("EVP_EncryptInit_ex (chacha20) failed.");
                }
            }
            return ctx;
        }

        public IntPtr NewMac()
        {
            IntPtr ctx = _macCtxNew(_poly1305);
            return ctx != 0 ? ctx : throw new CryptographicException("EVP_MAC_CTX_new (Poly1305) failed.");
        }

        public void FreeCipher(IntPtr ctx) => _cipherCtxFree(ctx);

        public void FreeMac(IntPtr ctx) => _macCtxFree(ctx);

        /// <summary>Restarts the keystream at block <paramref name="counter"/> of the packet numbered
        /// <paramref name="sequenceNumber"/> and XORs it into <paramref name="data"/>.</summary>
        public void Xor(IntPtr ctx, uint sequenceNumber, uint counter, Span<byte> data)
        {
            byte* iv = stackalloc byte[16];
            new Span<byte>(iv, 16).Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(iv, 4), counter);
            BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(iv + 12, 4), sequenceNumber);
            if (_encryptInit(ctx, 0, 0, null, iv) != 1) throw new CryptographicException("EVP_EncryptInit_ex (IV) failed.");
            Continue(ctx, data);
        }

        /// <summary>XORs the keystream onward from where it stopped into <paramref name="data"/>, in place.</summary>
        public void Continue(IntPtr ctx, Span<byte> data)
        {
            if (data.IsEmpty) return;
            fixed (byte* p = data)
            {
                int written;
                if (_encryptUpdate(ctx, p, &written, p, data.Length) != 1 || written != data.Length)
                    throw new CryptographicException("EVP_EncryptUpdate (chacha20) failed.");
            }
        }

        public void Poly1305(IntPtr ctx, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
        {
            fixed (byte* k = key, m = message, t = tag)
            {
                nuint length = 0;
                if (_macInit(ctx, k, (nuint)key.Length, 0) != 1 || _macUpdate(ctx, m, (nuint)message.Length) != 1
                    || _macFinal(ctx, t, &length, (nuint)Tag) != 1 || length != Tag)
                    throw new CryptographicException("EVP_MAC (Poly1305) failed.");
            }
        }
    }
}
