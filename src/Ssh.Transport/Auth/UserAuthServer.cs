using Microsoft.Extensions.Logging;
using Ssh.Transport.Diagnostics;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Auth;

/// <summary>
/// The server side of user authentication (RFC 4252, RFC 4256): the service request, then requests until one
/// succeeds. Nothing of the connection protocol is reachable before it returns (the session enforces that).
/// A change of user or service between attempts, or too many failures, ends the connection.
/// </summary>
internal sealed class UserAuthServer
{
    private readonly SshSession _session;
    private readonly IServerAuthenticator _authenticator;
    private readonly Action<string, string>? _onFailure;
    private readonly Action<string, string, SshPublicKey?>? _onSuccess;
    private string? _user;
    private int _failures;

    /// <param name="session">The session, once its first key exchange is done.</param>
    /// <param name="authenticator">What decides.</param>
    /// <param name="maxAuthTries">Refused attempts allowed before disconnecting (OpenSSH's MaxAuthTries, 6).</param>
    /// <param name="failureDelay">How long after its request every refused attempt is answered, whatever the method
    /// and whether the user exists, so neither timing nor speed helps a guesser.</param>
    /// <param name="onFailure">Told of each refused attempt: the user name (sanitised) and the method.</param>
    /// <param name="onSuccess">Told of the success (user, method, key) before the authenticator and before any
    /// connection message can be handled.</param>
    public UserAuthServer(SshSession session, IServerAuthenticator authenticator, int maxAuthTries, TimeSpan failureDelay,
        Action<string, string>? onFailure = null, Action<string, string, SshPublicKey?>? onSuccess = null)
    {
        _onSuccess = onSuccess;
        _session = session;
        _authenticator = authenticator;
        _onFailure = onFailure;
        MaxAuthTries = maxAuthTries;
        FailureDelay = failureDelay;
    }

    /// <summary>Refused attempts allowed before disconnecting (OpenSSH's MaxAuthTries, 6).</summary>
    public int MaxAuthTries { get; }

    /// <summary>The most authentication requests of any kind one connection may make.</summary>
    public const int MaxRequests = 64;

    /// <summary>The fixed time after which a refused attempt is answered.</summary>
    public TimeSpan FailureDelay { get; }

    /// <summary>The method that succeeded last (for logs).</summary>
    public string? SucceededMethod { get; private set; }

    /// <summary>The key (or certificate) whose signed request succeeded; null for other methods.</summary>
    public SshPublicKey? SucceededKey { get; private set; }

    private SshPublicKey? _verifiedKey;

    /// <summary>Runs authentication to success; returns the user name.</summary>
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        byte[] first = await _session.ReceiveServiceMessageAsync(cancellationToken).ConfigureAwait(false);
        if (first[0] != (byte)MessageNumber.ServiceRequest)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"Expected SERVICE_REQUEST, got message {first[0]}.");
        string service = ServiceMessage.Read(first).ServiceName;
        if (service != UserAuthClient.UserAuthService)
            throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"Service '{PeerText.Sanitize(service)}' is not available.");
        await _session.SendAsync(new ServiceMessage(MessageNumber.ServiceAccept, service), cancellationToken).ConfigureAwait(false);
        if (_authenticator.GetBanner() is { Length: > 0 } banner)
            await _session.SendAsync(new UserauthBannerMessage(banner), cancellationToken).ConfigureAwait(false);

        for (int requests = 1; ; requests++)
        {
            // "none" and partial successes do not count as failures, but nothing is unlimited.
            if (requests > MaxRequests)
                throw new SshProtocolException(DisconnectReason.NoMoreAuthMethodsAvailable,
                    $"The client made more than {MaxRequests} authentication requests on one connection.");
            byte[] message = await _session.ReceiveServiceMessageAsync(cancellationToken).ConfigureAwait(false);
            if (message[0] != (byte)MessageNumber.UserauthRequest)
                throw new SshProtocolException(DisconnectReason.ProtocolError, $"Expected USERAUTH_REQUEST, got message {message[0]}.");
            long started = Environment.TickCount64;
            UserauthRequestMessage request = UserauthRequestMessage.Read(message);
            CheckConsistent(request);
            if (_session.AuthLog.IsEnabled(LogLevel.Debug))
                AuthLog.Request(_session.AuthLog, PeerText.Sanitize(request.User), PeerText.Sanitize(request.Method));
            AuthenticationResult result = await DispatchAsync(request, message, cancellationToken).ConfigureAwait(false);
            if (result == AuthenticationResult.Successful)
            {
                SucceededMethod = MethodForLog(request.Method);
                SucceededKey = SucceededMethod == "publickey" ? _verifiedKey : null;
                if (_session.AuthLog.IsEnabled(LogLevel.Information))
                    AuthLog.Accepted(_session.AuthLog, PeerText.Sanitize(SucceededMethod), PeerText.Sanitize(request.User));
                _onSuccess?.Invoke(request.User, SucceededMethod, SucceededKey);
                _authenticator.OnAuthenticated(request.User, SucceededMethod, SucceededKey);
                _session.MarkAuthenticated();
                await _session.SendAsync(new EmptyMessage(MessageNumber.UserauthSuccess), cancellationToken).ConfigureAwait(false);
                return request.User;
            }
            if (result == PkOkSent) continue;
            if (result == AuthenticationResult.PartiallySuccessful && _session.AuthLog.IsEnabled(LogLevel.Debug))
                AuthLog.Partial(_session.AuthLog, PeerText.Sanitize(request.User), PeerText.Sanitize(request.Method));
            if (result == AuthenticationResult.Failed && request.Method != "none")
            {
                // Every refused attempt counts, a refused publickey query included (as OpenSSH counts them): probing
                // which keys a server takes costs the prober a connection every MaxAuthTries keys.
                _onFailure?.Invoke(PeerText.Sanitize(request.User), PeerText.Sanitize(MethodForLog(request.Method)));
                if (_session.AuthLog.IsEnabled(LogLevel.Information))
                    AuthLog.Failed(_session.AuthLog, PeerText.Sanitize(MethodForLog(request.Method)), PeerText.Sanitize(request.User));
                await DelayAsync(started, cancellationToken).ConfigureAwait(false);
                if (++_failures >= MaxAuthTries)
                    throw new SshProtocolException(DisconnectReason.NoMoreAuthMethodsAvailable,
                        $"Too many authentication failures for {PeerText.Sanitize(request.User)}.");
            }
            string[] allowed = _authenticator.GetAllowedAuths(request.User).ToArray();
            await _session.SendAsync(new UserauthFailureMessage(allowed, result == AuthenticationResult.PartiallySuccessful), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The host-bound variant is "publickey" in logs, as sshd writes it (and fail2ban reads it).</summary>
    private static string MethodForLog(string method) => method == HostBoundPublicKey.Method ? "publickey" : method;

    /// <summary>Answers a refused attempt no sooner than <see cref="FailureDelay"/> after its request arrived.</summary>
    private Task DelayAsync(long started, CancellationToken cancellationToken)
    {
        long remaining = (long)FailureDelay.TotalMilliseconds - (Environment.TickCount64 - started);
        return remaining > 0 ? Task.Delay(TimeSpan.FromMilliseconds(remaining), cancellationToken) : Task.CompletedTask;
    }

    // A private marker: a publickey query answered with PK_OK needs no FAILURE.
    private const AuthenticationResult PkOkSent = (AuthenticationResult)(-1);

    private void CheckConsistent(UserauthRequestMessage request)
    {
        // RFC 4252 §5: the server may disconnect when user or service change; OpenSSH does, and so do we.
        if (request.Service != UserAuthClient.ConnectionService)
            throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"Service '{PeerText.Sanitize(request.Service)}' is not available.");
        if (_user is null) _user = request.User;
        else if (_user != request.User)
            throw new SshProtocolException(DisconnectReason.ProtocolError, "The client changed the user name between authentication attempts.");
    }

    private async ValueTask<AuthenticationResult> DispatchAsync(UserauthRequestMessage request, byte[] raw, CancellationToken cancellationToken)
    {
        switch (request.Method)
        {
            case "none":
                return await _authenticator.CheckNoneAsync(request.User, cancellationToken).ConfigureAwait(false);
            case "password":
                {
                    var r = new SshReader(request.MethodFields.Span);
                    if (r.ReadBoolean()) return AuthenticationResult.Failed; // password change: not offered
                    string password = r.ReadString();
                    return await _authenticator.CheckPasswordAsync(request.User, password, cancellationToken).ConfigureAwait(false);
                }
            case "publickey":
                return await PublicKeyAsync(request, raw, hostBound: false, cancellationToken).ConfigureAwait(false);
            case HostBoundPublicKey.Method:
                return await PublicKeyAsync(request, raw, hostBound: true, cancellationToken).ConfigureAwait(false);
            case "keyboard-interactive":
                return await InteractiveAsync(request, cancellationToken).ConfigureAwait(false);
            default:
                return AuthenticationResult.Failed;
        }
    }

    /// <summary>RFC 4252 §7 "publickey", and OpenSSH's host-bound variant (PROTOCOL §2.5), which names our host key
    /// after the user's key. Certificates are passed to the authenticator as they are (<see cref="SshCertificate"/>):
    /// whether their CA is trusted is policy.</summary>
    private async ValueTask<AuthenticationResult> PublicKeyAsync(UserauthRequestMessage request, byte[] raw, bool hostBound,
        CancellationToken cancellationToken)
    {
        _verifiedKey = null;
        var r = new SshReader(request.MethodFields.Span);
        bool signed = r.ReadBoolean();
        string algorithm = r.ReadString();
        byte[] blob = r.ReadBinaryString();
        if (hostBound && !r.ReadStringBytes().SequenceEqual(_session.HostKeyBlob))
        {
            // OpenSSH ends the connection here: the client signs for another server, or a relay is at work.
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The {HostBoundPublicKey.Method} request names a host key other than this server's (OpenSSH PROTOCOL §2.5).");
        }
        SshPublicKey key;
        try
        {
            key = SshPublicKey.FromBlob(blob);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            return AuthenticationResult.Failed;
        }
        if (!key.SignatureAlgorithms.Contains(algorithm)) return AuthenticationResult.Failed;

        if (!signed)
        {
            r.EnsureEnd("The publickey query");
            AuthenticationResult acceptable = await _authenticator.CheckPublicKeyAsync(request.User, key, cancellationToken).ConfigureAwait(false);
            if (_session.AuthLog.IsEnabled(LogLevel.Debug))
                AuthLog.KeyQuery(_session.AuthLog, PeerText.Sanitize(request.User), key.KeyType, key.GetFingerprint(),
                    acceptable == AuthenticationResult.Successful ? "acceptable" : "not acceptable");
            if (acceptable != AuthenticationResult.Successful) return AuthenticationResult.Failed;
            await _session.SendAsync(new UserauthPkOkMessage(algorithm, blob), cancellationToken).ConfigureAwait(false);
            return PkOkSent;
        }

        byte[] signature = r.ReadBinaryString();
        r.EnsureEnd("The publickey request");
        // RFC 4252 §7: the signature covers session id ‖ the request as sent, up to the signature.
        int signedLength = raw.Length - (4 + signature.Length);
        byte[] signedData = new SshBuffer(signedLength + 40)
            .WriteString(_session.SessionId!)
            .WriteBytes(raw.AsSpan(0, signedLength))
            .ToArray();
        // RFC 8332 §3.2: the signature must be made with the algorithm the request names (for a certificate, the
        // plain algorithm behind it, PROTOCOL.certkeys).
        if (SshPublicKey.SignatureAlgorithmOf(signature) != SshCertificate.PlainAlgorithm(algorithm) || !key.Verify(signedData, signature))
            return AuthenticationResult.Failed;
        _verifiedKey = key;
        return await _authenticator.CheckPublicKeyAsync(request.User, key, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<AuthenticationResult> InteractiveAsync(UserauthRequestMessage request, CancellationToken cancellationToken)
    {
        var r = new SshReader(request.MethodFields.Span);
        r.ReadStringBytes(); // language (deprecated)
        string submethods = r.ReadString();
        InteractiveQuery? query = await _authenticator.StartInteractiveAsync(request.User, submethods, cancellationToken).ConfigureAwait(false);
        for (int round = 0; query is not null && round < 8; round++)
        {
            await _session.SendAsync(new UserauthInfoRequestMessage(query), cancellationToken).ConfigureAwait(false);
            byte[] reply = await _session.ReceiveServiceMessageAsync(cancellationToken).ConfigureAwait(false);
            if (reply[0] != (byte)MessageNumber.UserauthInfoResponse)
                throw new SshProtocolException(DisconnectReason.ProtocolError, $"Expected USERAUTH_INFO_RESPONSE, got message {reply[0]}.");
            UserauthInfoResponseMessage response = UserauthInfoResponseMessage.Read(reply);
            if (response.Responses.Count != query.Prompts.Count)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "The number of keyboard-interactive responses does not match the prompts (RFC 4256 §3.4).");
            (AuthenticationResult result, InteractiveQuery? next) =
                await _authenticator.CheckInteractiveResponseAsync(request.User, response.Responses, cancellationToken).ConfigureAwait(false);
            if (next is null) return result;
            query = next;
        }
        return AuthenticationResult.Failed;
    }
}
