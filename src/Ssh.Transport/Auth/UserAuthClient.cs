using Microsoft.Extensions.Logging;
using Ssh.Transport.Diagnostics;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Transport.Auth;

/// <summary>The client side of the user authentication protocol (RFC 4252): the service request and the
/// none, password and publickey methods. One request at a time.</summary>
internal sealed class UserAuthClient
{
    public const string UserAuthService = "ssh-userauth";
    public const string ConnectionService = "ssh-connection";

    private readonly SshSession _session;
    private bool _serviceRequested;
    private bool _serviceAccepted;

    public UserAuthClient(SshSession session) => _session = session;

    /// <summary>Banners the server sent (RFC 4252 §5.4), in order.</summary>
    public List<string> Banners { get; } = [];

    /// <summary>Asks for the ssh-userauth service (RFC 4253 §10) once, without waiting: the first authentication
    /// request follows it in the same round trip, and the server's SERVICE_ACCEPT is read before that request's
    /// answer (<see cref="EnsureServiceAcceptedAsync"/>). A server handles its messages in order, so the request
    /// reaches the service it asked for; one that refuses the service disconnects, and the error surfaces there.</summary>
    private async ValueTask EnsureServiceAsync(CancellationToken cancellationToken)
    {
        if (_serviceRequested) return;
        await _session.SendAsync(new ServiceMessage(MessageNumber.ServiceRequest, UserAuthService), cancellationToken).ConfigureAwait(false);
        _serviceRequested = true;
    }

    private async ValueTask EnsureServiceAcceptedAsync(CancellationToken cancellationToken)
    {
        if (_serviceAccepted) return;
        byte[] reply = await _session.ReceiveServiceMessageAsync(cancellationToken).ConfigureAwait(false);
        if (reply[0] != (byte)MessageNumber.ServiceAccept || ServiceMessage.Read(reply).ServiceName != UserAuthService)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"Expected SERVICE_ACCEPT for {UserAuthService}, got message {reply[0]}.");
        _serviceAccepted = true;
        AuthLog.ServiceAccepted(_session.AuthLog, UserAuthService);
    }

    /// <summary>Logs the server's answer to one method and passes it on.</summary>
    private AuthResult Logged(AuthResult result, string user, string method)
    {
        if (result.Success) AuthLog.Succeeded(_session.AuthLog, user, method);
        else AuthLog.CanContinue(_session.AuthLog, result.AllowedMethods, result.PartialSuccess);
        return result;
    }

    public async Task<AuthResult> AuthNoneAsync(string user, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(cancellationToken).ConfigureAwait(false);
        AuthLog.Trying(_session.AuthLog, "none", user);
        await _session.SendAsync(new UserauthRequestMessage(user, ConnectionService, "none", ReadOnlyMemory<byte>.Empty), cancellationToken).ConfigureAwait(false);
        return Logged((await ReadResultAsync(cancellationToken).ConfigureAwait(false))!, user, "none");
    }

    public async Task<AuthResult> AuthPasswordAsync(string user, string password, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(cancellationToken).ConfigureAwait(false);
        AuthLog.Trying(_session.AuthLog, "password", user);
        // RFC 4252 §8: boolean FALSE ‖ string password
        var fields = new SshBuffer(64 + password.Length * 3).WriteBoolean(false).WriteString(password);
        await _session.SendAsync(new UserauthRequestMessage(user, ConnectionService, "password", fields.ToArray()), cancellationToken).ConfigureAwait(false);
        fields.Clear(zero: true);
        return Logged((await ReadResultAsync(cancellationToken).ConfigureAwait(false))!, user, "password");
    }

    /// <summary>RFC 4256 keyboard-interactive: answers each round of prompts with <paramref name="respond"/> until the
    /// server says yes or no. Prompt texts are passed on with control characters removed.</summary>
    public async Task<AuthResult> AuthKeyboardInteractiveAsync(string user, Func<InteractiveQuery, IReadOnlyList<string>> respond,
        string submethods, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(cancellationToken).ConfigureAwait(false);
        AuthLog.Trying(_session.AuthLog, "keyboard-interactive", user);
        // RFC 4256 §3.1: string language tag (deprecated, empty) ‖ string submethods
        byte[] fields = new SshBuffer().WriteString("").WriteString(submethods).ToArray();
        await _session.SendAsync(new UserauthRequestMessage(user, ConnectionService, "keyboard-interactive", fields), cancellationToken).ConfigureAwait(false);
        for (int round = 0; ; round++)
        {
            (AuthResult? result, byte[]? message) = await NextAsync(cancellationToken).ConfigureAwait(false);
            if (result is not null) return Logged(result, user, "keyboard-interactive");
            if (round >= 32)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "The server asked more than 32 rounds of keyboard-interactive questions.");
            InteractiveQuery query = Clean(UserauthInfoRequestMessage.Read(message!).Query);
            AuthLog.InteractivePrompts(_session.AuthLog, query.Prompts.Count);
            IReadOnlyList<string> answers = respond(query);
            if (answers.Count != query.Prompts.Count)
                throw new ArgumentException($"The keyboard-interactive handler gave {answers.Count} answers to {query.Prompts.Count} prompts.");
            await _session.SendAsync(new UserauthInfoResponseMessage(answers), cancellationToken).ConfigureAwait(false);
        }
    }

    private static InteractiveQuery Clean(InteractiveQuery query) => new(
        PeerText.Sanitize(query.Name), PeerText.Sanitize(query.Instructions),
        query.Prompts.Select(p => p with { Text = PeerText.Sanitize(p.Text) }).ToArray());

    /// <summary>RFC 4252 §7: a key that signs in this process signs its request straight away (one round trip, as
    /// paramiko does; a refused key costs one signature); any other key (an agent's) is offered first and signs only
    /// once the server says it would accept it. Returns the server's answer to the signed request, or its FAILURE to
    /// the query. Where the server announced it, the request is host-bound
    /// (OpenSSH PROTOCOL §2.5): it names the server's host key, and so does the signature.</summary>
    public async Task<AuthResult> AuthPublicKeyAsync(string user, SshPrivateKey key, CancellationToken cancellationToken)
    {
        await EnsureServiceAsync(cancellationToken).ConfigureAwait(false);
        string algorithm = ChooseSignatureAlgorithm(key.PublicKey);
        byte[] blob = key.PublicKey.GetBlob();
        byte[]? hostKey = _session.ServerSupportsHostBoundPublicKey ? _session.HostKeyBlob : null;
        string method = hostKey is null ? "publickey" : HostBoundPublicKey.Method;
        AuthLog.Trying(_session.AuthLog, method, user);
        if (_session.AuthLog.IsEnabled(LogLevel.Debug))
            AuthLog.OfferingKey(_session.AuthLog, key.PublicKey.KeyType, key.PublicKey.GetFingerprint(), algorithm);

        if (!key.SignsLocally)
        {
            var query = new SshBuffer().WriteBoolean(false).WriteString(algorithm).WriteString(blob);
            if (hostKey is not null) query.WriteString(hostKey);
            await _session.SendAsync(new UserauthRequestMessage(user, ConnectionService, method, query.ToArray()), cancellationToken).ConfigureAwait(false);
            AuthResult? queryResult = await ReadResultAsync(cancellationToken, expectPkOk: true).ConfigureAwait(false);
            if (queryResult is not null) return Logged(queryResult, user, "publickey");
            if (_session.AuthLog.IsEnabled(LogLevel.Debug))
                AuthLog.KeyAccepted(_session.AuthLog, key.PublicKey.KeyType, key.PublicKey.GetFingerprint());
        }

        // RFC 4252 §7: the signature covers session id ‖ the request up to the key blob (and the host key, when bound).
        var signedData = new SshBuffer(512)
            .WriteString(_session.SessionId!)
            .WriteByte((byte)MessageNumber.UserauthRequest)
            .WriteString(user).WriteString(ConnectionService).WriteString(method)
            .WriteBoolean(true).WriteString(algorithm).WriteString(blob);
        if (hostKey is not null) signedData.WriteString(hostKey);
        byte[] signature = await key.SignAsync(signedData.ToArray(), algorithm, cancellationToken).ConfigureAwait(false);
        var signed = new SshBuffer().WriteBoolean(true).WriteString(algorithm).WriteString(blob);
        if (hostKey is not null) signed.WriteString(hostKey);
        signed.WriteString(signature);
        await _session.SendAsync(new UserauthRequestMessage(user, ConnectionService, method, signed.ToArray()), cancellationToken).ConfigureAwait(false);
        return Logged((await ReadResultAsync(cancellationToken).ConfigureAwait(false))!, user, "publickey");
    }

    private string ChooseSignatureAlgorithm(SshPublicKey key)
    {
        IReadOnlyList<string> allowed = _session.Settings.PublicKeyAlgorithms;
        // SHA-1 ssh-rsa (RFC 4253 §6.6) only when asked for, for servers that cannot do rsa-sha2 (RFC 8332).
        bool sha1Rsa = key.KeyType == RsaPublicKey.TypeName && allowed.Contains(RsaPublicKey.TypeName);
        string[] candidates = [.. key.SignatureAlgorithms.Where(allowed.Contains), .. sha1Rsa ? [RsaPublicKey.TypeName] : Array.Empty<string>()];
        if (candidates.Length == 0)
            throw new SshException($"Public key authentication with the {key.KeyType} key is disabled: none of its signature algorithms " +
                $"({string.Join(",", key.SignatureAlgorithms)}) is among the accepted public key algorithms (PubkeyAcceptedAlgorithms).");
        IReadOnlyList<string>? serverAlgorithms = _session.ServerSignatureAlgorithms;
        if (serverAlgorithms is not null)
        {
            // server-sig-algs lists plain algorithms; a certificate's (rsa-sha2-512-cert-v01@openssh.com) is chosen by
            // the plain one behind it, as OpenSSH does.
            foreach (string c in candidates)
            {
                if (serverAlgorithms.Contains(SshCertificate.PlainAlgorithm(c))) return c;
            }
        }
        // Without server-sig-algs (RFC 8308 §3.1) the server may know only ssh-rsa for an RSA key, as OpenSSH assumes.
        return sha1Rsa && serverAlgorithms is null ? RsaPublicKey.TypeName : candidates[0];
    }

    /// <summary>Waits for SUCCESS or FAILURE (collecting banners). With <paramref name="expectPkOk"/>, a PK_OK
    /// returns null.</summary>
    private async Task<AuthResult?> ReadResultAsync(CancellationToken cancellationToken, bool expectPkOk = false)
    {
        (AuthResult? result, byte[]? methodMessage) = await NextAsync(cancellationToken).ConfigureAwait(false);
        if (methodMessage is not null && !expectPkOk) throw Unexpected(methodMessage[0]);
        return result;
    }

    /// <summary>Reads until SUCCESS or FAILURE (the result) or a method-specific message, number 60: PK_OK or
    /// INFO_REQUEST, which the caller handles. Banners on the way are collected.</summary>
    private async Task<(AuthResult? Result, byte[]? MethodMessage)> NextAsync(CancellationToken cancellationToken)
    {
        await EnsureServiceAcceptedAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            byte[] message = await _session.ReceiveServiceMessageAsync(cancellationToken).ConfigureAwait(false);
            switch ((MessageNumber)message[0])
            {
                case MessageNumber.UserauthBanner:
                    Banners.Add(PeerText.Sanitize(UserauthBannerMessage.Read(message).Text));
                    AuthLog.Banner(_session.AuthLog, Banners[^1].Length);
                    continue;
                case MessageNumber.UserauthSuccess:
                    return (AuthResult.Succeeded, null);
                case MessageNumber.UserauthFailure:
                    UserauthFailureMessage failure = UserauthFailureMessage.Read(message);
                    return (new AuthResult(false, failure.Methods, failure.PartialSuccess), null);
                case MessageNumber.UserauthPkOk: // == UserauthInfoRequest
                    return (null, message);
                default:
                    throw Unexpected(message[0]);
            }
        }
    }

    private static SshProtocolException Unexpected(byte number) =>
        new(DisconnectReason.ProtocolError, $"Unexpected message {number} during user authentication (RFC 4252).");
}
