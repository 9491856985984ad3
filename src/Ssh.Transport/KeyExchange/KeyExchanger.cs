using System.Security.Cryptography;
using Ssh.Transport.Diagnostics;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Auth;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;

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
    private NegotiatedAlgorithms? _negotiated;
    private IKeyExchangeMethod? _method;
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

    /// <summary>Why a re-exchange started on its own: <see cref="TransportSettings.RekeyBytesLimit"/> or
    /// <see cref="TransportSettings.RekeyTimeLimit"/> was reached.</summary>
    public const string LimitReached = "the data or time limit was reached (RekeyBytesLimit, RekeyTimeLimit)";

    /// <summary>Sends our KEXINIT unless an exchange is already under way; returns a task for its end.
    /// <paramref name="reason"/> is for the log.</summary>
    public async ValueTask<Task> StartAsync(string reason)
    {
        await _startLock.WaitAsync(_session.Lifetime).ConfigureAwait(false);
        try
        {
            if (_inProgress) return _current.Task;
            _inProgress = true;
            _newKeysSent = false;
            _ourInit = BuildKexInit();
            _ourInitPayload = _ourInit.ToPayload();
            if (_firstDone) TransportLog.Rekeying(_session.Log, reason);
            await _session.SendKexInitAsync(_ourInitPayload).ConfigureAwait(false);
            TransportLog.KexInitSent(_session.Log, CompletedCount + 1, reason);
            TransportLog.Proposal(_session.Log, IsClient ? "local client" : "local server", _ourInit);
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
        if (_ignoreNextKexPacket && MessageRanges.IsKexMethodSpecific(number))
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
        if (number == (byte)MessageNumber.KexInit)
            await OnKexInitAsync(payload).ConfigureAwait(false);
        else if (number == (byte)MessageNumber.NewKeys)
            OnNewKeys();
        else if (MessageRanges.IsKexMethodSpecific(number) && _method is not null)
            await RunAsync(_method.Handle(payload.Span)).ConfigureAwait(false);
        else
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"Unexpected key exchange message {number} (RFC 4253 §7).");
    }

    private async ValueTask OnKexInitAsync(ReadOnlyMemory<byte> payload)
    {
        if (_peerInit is not null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent a second KEXINIT during one key exchange.");
        bool wasFirstPacket = _session.Reader.SequenceNumber == 1;
        _peerInit = KexInitMessage.Read(payload.Span);
        byte[] peerInitPayload = payload.ToArray();
        TransportLog.KexInitReceived(_session.Log);
        TransportLog.Proposal(_session.Log, IsClient ? "peer server" : "peer client", _peerInit);

        if (!_inProgress) await StartAsync("requested by the peer").ConfigureAwait(false);
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
            TransportLog.StrictKex(_session.Log, _strict);
        }

        _negotiated = Negotiator.Negotiate(client, server, name => CipherRegistry.Find(name)?.IsAead ?? false);
        TransportLog.Negotiated(_session.Log, _negotiated);
        if (_peerInit.FirstKexPacketFollows && !Negotiator.GuessWasRight(client, server))
            _ignoreNextKexPacket = true;

        KexInfo kexInfo = KexRegistry.Find(_negotiated.Kex)
            ?? throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, $"Negotiated unknown key exchange '{_negotiated.Kex}'.");
        _method?.Dispose();
        _method = kexInfo.Create(_session.Settings);
        await RunAsync(_method.Start(CreateContext(peerInitPayload))).ConfigureAwait(false);
    }

    private KexContext CreateContext(byte[] peerInitPayload)
    {
        string local = _session.LocalVersion;
        string remote = _session.RemoteVersion;
        if (IsClient) return KexContext.ForClient(local, remote, _ourInitPayload!, peerInitPayload);
        HostKeyRegistry.HostKeyAlgorithmInfo algorithm = HostKeyRegistry.Find(_negotiated!.HostKey)!;
        SshPrivateKey hostKey = _session.HostKeys.First(k => k.PublicKey.KeyType == algorithm.KeyType);
        if (_session.Log.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
            TransportLog.HostKeyUsed(_session.Log, hostKey.PublicKey.KeyType, hostKey.PublicKey.GetFingerprint(), algorithm.Name);
        byte[] hostKeyBlob = hostKey.PublicKey.GetBlob();
        _session.HostKeyBlob ??= hostKeyBlob; // K_S of the first exchange, which publickey-hostbound requests must name
        return KexContext.ForServer(remote, local, peerInitPayload, _ourInitPayload!, hostKeyBlob,
            h => hostKey.Sign(h, algorithm.Name));
    }

    /// <summary>Sends what the method asked to send; once it has K and H, checks the server (on the client) and
    /// moves to the new keys.</summary>
    private async ValueTask RunAsync(KexStep step)
    {
        if (step.Message is not null) await _session.SendAsync(new RawMessage(step.Message)).ConfigureAwait(false);
        if (step.Result is not { } result) return;
        try
        {
            if (IsClient) await AcceptServerAsync(ServerHostKeyCheck.Verify(_negotiated!.HostKey, result)).ConfigureAwait(false);
            await SwitchKeysAsync(result).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(result.SharedSecret);
        }
    }

    /// <summary>RFC 4253 §8: the client asks the user whether to trust the server's host key on the first exchange;
    /// a rekey must present the same one.</summary>
    private async ValueTask AcceptServerAsync(SshPublicKey hostKey)
    {
        if (_session.RemoteHostKey is null)
        {
            if (_session.Log.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
                TransportLog.ServerHostKey(_session.Log, hostKey.KeyType, hostKey.GetFingerprint());
            if (_session.HostKeyVerifier is not null)
                await _session.HostKeyVerifier(hostKey, _session.Lifetime).ConfigureAwait(false);
            _session.RemoteHostKey = hostKey;
            _session.HostKeyBlob = hostKey.GetBlob();
        }
        else if (!_session.RemoteHostKey.Equals(hostKey))
        {
            throw new SshProtocolException(DisconnectReason.HostKeyNotVerifiable,
                "The server presented a different host key during re-keying.");
        }
    }

    /// <summary>RFC 4253 §7.2–§7.3: derives the new keys, sends NEWKEYS and keeps the inbound keys for the peer's.</summary>
    private async ValueTask SwitchKeysAsync(KexResult result)
    {
        bool first = _session.SessionId is null;
        if (first) _session.SessionId = result.ExchangeHash;
        (IPacketCipher clientToServer, IPacketCipher serverToClient) = KeyDerivation.CreateCiphers(
            _method!.HashAlgorithm, result.SharedSecret, result.ExchangeHash, _session.SessionId!, _negotiated!);
        _pendingInbound = IsClient ? serverToClient : clientToServer;
        IMessage? extInfo = first && !IsClient && _session.PeerWantsExtInfo ? BuildServerExtInfo() : null;
        string outboundCompression = IsClient ? _negotiated!.CompressionClientToServer : _negotiated!.CompressionServerToClient;
        await _session.SendNewKeysAsync(IsClient ? clientToServer : serverToClient, outboundCompression, _strict, extInfo).ConfigureAwait(false);
        _newKeysSent = true;
        TransportLog.NewKeysSent(_session.Log);
    }

    private void OnNewKeys()
    {
        if (_pendingInbound is null)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent NEWKEYS before the key exchange reached it.");
        // RFC 4253 §7.3: keys change right after NEWKEYS. Strict KEX also restarts the sequence numbers.
        TransportLog.NewKeysReceived(_session.Log);
        _session.Reader.SetCipher(_pendingInbound, _strict);
        _session.Reader.SetCompression(IsClient ? _negotiated!.CompressionServerToClient : _negotiated!.CompressionClientToServer,
            _session.IsAuthenticated);
        _pendingInbound = null;
        if (!_newKeysSent)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The peer sent NEWKEYS before we did.");
        Finish();
    }

    private void Finish()
    {
        _session.Algorithms = _negotiated;
        _peerInit = null;
        _ourInit = null;
        _ourInitPayload = null;
        _method?.Dispose();
        _method = null;
        _lastKexTimestamp = Environment.TickCount64;
        _firstDone = true;
        CompletedCount++;
        TransportLog.KexComplete(_session.Log, CompletedCount, _negotiated!.Kex);
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
            CompressionClientToServer = s.Compression.ToArray(),
            CompressionServerToClient = s.Compression.ToArray(),
        };
    }

    private static ExtInfoMessage BuildServerExtInfo()
    {
        // The signature algorithms our user authentication accepts, plain ones as OpenSSH lists them (a certificate
        // signs with its key's): SHA-1 ssh-rsa is not among them.
        byte[] algorithms = System.Text.Encoding.ASCII.GetBytes(string.Join(',',
            HostKeyRegistry.DefaultNames.Where(n => !SshCertificate.IsCertificateAlgorithm(n))));
        return new ExtInfoMessage([new("server-sig-algs", algorithms), new(PingMessage.Extension, "0"u8.ToArray()),
            new(HostBoundPublicKey.Extension, "0"u8.ToArray())]);
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
