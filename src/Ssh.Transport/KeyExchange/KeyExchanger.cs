using System.Security.Cryptography;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Algorithms.Macs;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Transport.KeyExchange;

/// <summary>
/// The KEXINIT / method exchange / NEWKEYS sequence of RFC 4253 §7–§8 for either side, started by either side
/// at any time. Runs on the session's read loop, except for starting a rekey. Implements OpenSSH's strict KEX
/// (PROTOCOL §1.10, the Terrapin countermeasure) and RFC 8308 extension negotiation.
/// </summary>
internal sealed class KeyExchanger : IDisposable
{
    private readonly SshSession _session;
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private volatile bool _inProgress;
    private bool _firstDone;
    private bool _strict;
    private KexInitMessage? _ourInit;
    private byte[]? _ourInitPayload;
    private KexInitMessage? _peerInit;
    private byte[]? _peerInitPayload;
    private NegotiatedAlgorithms? _negotiated;
    private IKeyExchange? _method;
    private byte[]? _clientPublic;
    private IPacketCipher? _pendingInbound;
    private bool _newKeysSent;
    private bool _ignoreNextKexPacket;
    private long _lastKexTimestamp = Environment.TickCount64;

    public KeyExchanger(SshSession session) => _session = session;

    /// <summary>Completes when the first key exchange has finished.</summary>
    public Task FirstCompletion => _first.Task;

    /// <summary>How many key exchanges have completed on this connection (the first one included).</summary>
    public int CompletedCount { get; private set; }

    private bool IsClient => _session.Role == SessionRole.Client;

    /// <summary>Sends our KEXINIT unless an exchange is already under way; returns a task for its end.</summary>
    public async ValueTask<Task> StartAsync()
    {
        await _startLock.WaitAsync(_session.Lifetime).ConfigureAwait(false);
        try
        {
            if (_inProgress) return _current.Task;
            _inProgress = true;
            _newKeysSent = false;
            _ourInit = BuildKexInit();
            _ourInitPayload = _ourInit.ToPayload();
            await _session.SendKexInitAsync(_ourInitPayload).ConfigureAwait(false);
            return _current.Task;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await _session.FailAsync(e).ConfigureAwait(false);
            return _current.Task;
        }
        finally
        {
            _startLock.Release();
        }
    }

    public bool IsRekeyDue()
    {
        if (_inProgress || !_firstDone) return false;
        TransportSettings s = _session.Settings;
        return _session.Reader.BytesSinceKeyChange > s.RekeyBytesLimit
            || _session.Writer.BytesSinceKeyChange > s.RekeyBytesLimit
            || _session.Reader.PacketsSinceKeyChange > (1L << 31)
            || _session.Writer.PacketsSinceKeyChange > (1L << 31)
            || Environment.TickCount64 - _lastKexTimestamp > (long)s.RekeyTimeLimit.TotalMilliseconds;
    }

    /// <summary>Decides, before dispatch, whether a packet is dropped (a wrong guess) or breaks the rules of a
    /// key exchange in progress. Returns true to drop it.</summary>
    public bool FilterDuringKex(byte number)
    {
        if (_ignoreNextKexPacket && number >= 30 && number <= 49)
        {
            _ignoreNextKexPacket = false; // RFC 4253 §7: the peer's wrong guess is ignored
            return true;
        }
        if (number == (byte)MessageNumber.Disconnect || MessageRanges.IsKex(number)) return false;
        if (!_firstDone)
        {
            if (_strict)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer sent message {number} during the initial key exchange; strict KEX (OpenSSH PROTOCOL §1.10) forbids it.");
            if (number <= (byte)MessageNumber.Debug) return false;
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent message {number} before the key exchange completed.");
        }
        if (_peerInit is not null && number > (byte)MessageNumber.Debug)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer sent message {number} in the middle of a key exchange (RFC 4253 §7.1).");
        return false;
    }

    public async ValueTask HandleAsync(ReadOnlyMemory<byte> payload)
    {
        byte number = payload.Span[0];
        switch (number)
        {
            case (byte)MessageNumber.KexInit:
                await OnKexInitAsync(payload).ConfigureAwait(false);
                break;
            case (byte)MessageNumber.NewKeys:
                OnNewKeys();
                break;
            case (byte)MessageNumber.KexEcdhInit when !IsClient && _method is not null:
                await OnEcdhInitAsync(payload.Span.ToArray()).ConfigureAwait(false);
                break;
            case (byte)MessageNumber.KexEcdhReply when IsClient && _method is not null && _clientPublic is not null:
                await OnEcdhReplyAsync(payload).ConfigureAwait(false);
                break;
            default:
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"Unexpected key exchange message {number} (RFC 4253 §7).");
        }
    }

    private async ValueTask OnKexInitAsync(ReadOnlyMemory<byte> payload)
    {
        if (_peerInit is not null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a second KEXINIT during one key exchange.");
        bool wasFirstPacket = _session.Reader.SequenceNumber == 1;
        _peerInit = KexInitMessage.Read(payload.Span);
        _peerInitPayload = payload.ToArray();

        if (!_inProgress) await StartAsync().ConfigureAwait(false);
        await _startLock.WaitAsync(_session.Lifetime).ConfigureAwait(false); // our KEXINIT is out
        _startLock.Release();

        KexInitMessage client = IsClient ? _ourInit! : _peerInit;
        KexInitMessage server = IsClient ? _peerInit : _ourInit!;

        if (!_firstDone)
        {
            _strict = IsClient
                ? server.KexAlgorithms.Contains(KexRegistry.StrictKexServer)
                : client.KexAlgorithms.Contains(KexRegistry.StrictKexClient);
            if (_strict && !wasFirstPacket)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    "Strict KEX (OpenSSH PROTOCOL §1.10): KEXINIT was not the peer's first packet.");
            if (!IsClient) _session.PeerWantsExtInfo = client.KexAlgorithms.Contains(KexRegistry.ExtInfoClient);
        }

        _negotiated = Negotiator.Negotiate(client, server, name => CipherRegistry.Find(name)?.IsAead ?? false);
        if (_peerInit.FirstKexPacketFollows && !Negotiator.GuessWasRight(client, server))
            _ignoreNextKexPacket = true;

        KexInfo kexInfo = KexRegistry.Find(_negotiated.Kex)
            ?? throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, $"Negotiated unknown key exchange '{_negotiated.Kex}'.");
        _method?.Dispose();
        _method = kexInfo.Create();
        if (IsClient)
        {
            _clientPublic = _method.CreateClientPublic();
            await _session.SendAsync(new KexEcdhInitMessage(_clientPublic)).ConfigureAwait(false);
        }
    }

    private async ValueTask OnEcdhInitAsync(byte[] payload)
    {
        byte[] clientPublic = KexEcdhInitMessage.Read(payload);
        (byte[] serverPublic, byte[] sharedSecret) = _method!.RespondServer(clientPublic);

        HostKeyRegistry.HostKeyAlgorithmInfo algorithm = HostKeyRegistry.Find(_negotiated!.HostKey)!;
        SshPrivateKey hostKey = _session.HostKeys.First(k => k.PublicKey.KeyType == algorithm.KeyType);
        byte[] hostKeyBlob = hostKey.PublicKey.GetBlob();
        byte[] h = ExchangeHash(hostKeyBlob, clientPublic, serverPublic, sharedSecret);
        byte[] signature = hostKey.Sign(h, algorithm.Name);

        await _session.SendAsync(new KexEcdhReplyMessage(hostKeyBlob, serverPublic, signature)).ConfigureAwait(false);
        await SwitchKeysAsync(sharedSecret, h).ConfigureAwait(false);
    }

    private async ValueTask OnEcdhReplyAsync(ReadOnlyMemory<byte> payload)
    {
        KexEcdhReplyMessage reply = KexEcdhReplyMessage.Read(payload.Span);
        SshPublicKey hostKey;
        try
        {
            hostKey = SshPublicKey.FromBlob(reply.HostKey);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "The server's host key cannot be read: " + e.Message);
        }
        HostKeyRegistry.HostKeyAlgorithmInfo algorithm = HostKeyRegistry.Find(_negotiated!.HostKey)!;
        if (hostKey.KeyType != algorithm.KeyType)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server sent a {hostKey.KeyType} host key, but {algorithm.Name} was negotiated.");

        byte[] sharedSecret = _method!.CompleteClient(reply.ServerPublic);
        byte[] h = ExchangeHash(reply.HostKey, _clientPublic!, reply.ServerPublic, sharedSecret);
        // RFC 4253 §8 / RFC 8332 §3: the signature must use the negotiated algorithm, not merely one the key allows.
        if (SshPublicKey.SignatureAlgorithmOf(reply.Signature) != algorithm.Name)
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                $"The server signed the exchange hash with '{SshPublicKey.SignatureAlgorithmOf(reply.Signature)}', but {algorithm.Name} was negotiated.");
        if (!hostKey.Verify(h, reply.Signature))
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
                "The server's signature over the exchange hash is invalid: it does not hold the private host key it presented.");

        if (_session.RemoteHostKey is null)
        {
            if (_session.HostKeyVerifier is not null)
                await _session.HostKeyVerifier(hostKey, _session.Lifetime).ConfigureAwait(false);
            _session.RemoteHostKey = hostKey;
        }
        else if (!_session.RemoteHostKey.Equals(hostKey))
        {
            throw new SshProtocolException(DisconnectReason.HostKeyNotVerifiable,
                "The server presented a different host key during re-keying.");
        }
        await SwitchKeysAsync(sharedSecret, h).ConfigureAwait(false);
    }

    private byte[] ExchangeHash(byte[] hostKeyBlob, byte[] clientPublic, byte[] serverPublic, byte[] sharedSecret)
    {
        // RFC 5656 §4 / RFC 8731 §3: H = hash(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ Q_C ‖ Q_S ‖ K)
        var b = new SshBuffer(2048);
        string vc = IsClient ? _session.LocalVersion : _session.RemoteVersion;
        string vs = IsClient ? _session.RemoteVersion : _session.LocalVersion;
        b.WriteString(vc).WriteString(vs);
        b.WriteString(IsClient ? _ourInitPayload! : _peerInitPayload!);
        b.WriteString(IsClient ? _peerInitPayload! : _ourInitPayload!);
        b.WriteString(hostKeyBlob).WriteString(clientPublic).WriteString(serverPublic).WriteBytes(sharedSecret);
        byte[] h = _method!.HashAlgorithm.Name switch
        {
            "SHA256" => SHA256.HashData(b.Span),
            "SHA384" => SHA384.HashData(b.Span),
            "SHA512" => SHA512.HashData(b.Span),
            _ => throw new InvalidOperationException("Unsupported exchange hash."),
        };
        b.Clear(zero: true);
        return h;
    }

    private async ValueTask SwitchKeysAsync(byte[] sharedSecret, byte[] h)
    {
        bool first = _session.SessionId is null;
        if (first) _session.SessionId = h;
        byte[] sessionId = _session.SessionId!;
        NegotiatedAlgorithms n = _negotiated!;
        HashAlgorithmName hash = _method!.HashAlgorithm;

        IPacketCipher clientToServer = CreateCipher(hash, sharedSecret, h, sessionId, n.CipherClientToServer, n.MacClientToServer, 'A', 'C', 'E');
        IPacketCipher serverToClient = CreateCipher(hash, sharedSecret, h, sessionId, n.CipherServerToClient, n.MacServerToClient, 'B', 'D', 'F');
        CryptographicOperations.ZeroMemory(sharedSecret);

        _pendingInbound = IsClient ? serverToClient : clientToServer;
        IMessage? extInfo = first && !IsClient && _session.PeerWantsExtInfo ? BuildServerExtInfo() : null;
        await _session.SendNewKeysAsync(IsClient ? clientToServer : serverToClient, _strict, extInfo).ConfigureAwait(false);
        _newKeysSent = true;
    }

    private static IPacketCipher CreateCipher(HashAlgorithmName hash, byte[] k, byte[] h, byte[] sessionId,
        string cipherName, string? macName, char ivLetter, char keyLetter, char macLetter)
    {
        CipherInfo cipher = CipherRegistry.Find(cipherName)!;
        byte[] iv = KeyDerivation.Derive(hash, k, h, ivLetter, sessionId, cipher.IvSize);
        byte[] key = KeyDerivation.Derive(hash, k, h, keyLetter, sessionId, cipher.KeySize);
        IMac? mac = null;
        if (!cipher.IsAead)
        {
            MacInfo macInfo = MacRegistry.Find(macName!)!;
            mac = macInfo.Create(KeyDerivation.Derive(hash, k, h, macLetter, sessionId, macInfo.KeySize));
        }
        return cipher.Create(key, iv, mac);
    }

    private void OnNewKeys()
    {
        if (_pendingInbound is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent NEWKEYS before the key exchange reached it.");
        // RFC 4253 §7.3: keys change right after NEWKEYS. Strict KEX also restarts the sequence numbers.
        _session.Reader.SetCipher(_pendingInbound, _strict);
        _pendingInbound = null;
        if (!_newKeysSent)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent NEWKEYS before we did.");
        Finish();
    }

    private void Finish()
    {
        _session.Algorithms = _negotiated;
        _peerInit = null;
        _peerInitPayload = null;
        _ourInit = null;
        _ourInitPayload = null;
        _clientPublic = null;
        _method?.Dispose();
        _method = null;
        _lastKexTimestamp = Environment.TickCount64;
        _firstDone = true;
        CompletedCount++;
        TaskCompletionSource done = _current;
        _current = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inProgress = false;
        done.TrySetResult();
        _first.TrySetResult();
    }

    private KexInitMessage BuildKexInit()
    {
        TransportSettings s = _session.Settings;
        var kex = new List<string>(s.KexAlgorithms);
        if (!_firstDone)
        {
            // RFC 8308 §2.1 and OpenSSH PROTOCOL §1.9/§1.10: signalled only in the first KEXINIT.
            kex.Add(IsClient ? KexRegistry.ExtInfoClient : KexRegistry.ExtInfoServer);
            kex.Add(IsClient ? KexRegistry.StrictKexClient : KexRegistry.StrictKexServer);
        }
        string[] hostKeyAlgorithms = IsClient
            ? s.HostKeyAlgorithms.ToArray()
            : s.HostKeyAlgorithms.Where(a => _session.HostKeys.Any(k => k.PublicKey.KeyType == HostKeyRegistry.Find(a)?.KeyType)).ToArray();
        if (!IsClient && hostKeyAlgorithms.Length == 0)
            throw new SshException("The server has no host key for any enabled host key algorithm.");
        string[] ciphers = s.Ciphers.ToArray();
        string[] macs = s.Macs.ToArray();
        return new KexInitMessage
        {
            KexAlgorithms = kex.ToArray(),
            ServerHostKeyAlgorithms = hostKeyAlgorithms,
            CiphersClientToServer = ciphers,
            CiphersServerToClient = ciphers,
            MacsClientToServer = macs,
            MacsServerToClient = macs,
        };
    }

    private static ExtInfoMessage BuildServerExtInfo()
    {
        byte[] algorithms = System.Text.Encoding.ASCII.GetBytes(string.Join(',', HostKeyRegistry.All.Select(a => a.Name)));
        return new ExtInfoMessage([new("server-sig-algs", algorithms)]);
    }

    public void OnClosed(Exception reason)
    {
        _first.TrySetException(reason);
        _current.TrySetException(reason);
        _first.Task.Exception?.Handle(_ => true);
        _current.Task.Exception?.Handle(_ => true);
    }

    public void Dispose()
    {
        _method?.Dispose();
        _pendingInbound?.Dispose();
    }
}
