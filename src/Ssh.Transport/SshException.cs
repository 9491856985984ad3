namespace Ssh.Transport;

/// <summary>The root of every error this library raises. An <see cref="IOException"/>, so code that handles
/// network failures generically keeps working.</summary>
public class SshException : IOException
{
    /// <summary>Creates the error with a message that says what happened and what the user can do.</summary>
    public SshException(string message) : base(message) { }

    /// <summary>Creates the error with its message and the exception that caused it.</summary>
    public SshException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The peer broke the protocol, or sent a DISCONNECT. Carries the RFC 4253 §11.1 reason code.</summary>
public class SshProtocolException : SshException
{
    /// <summary>Creates the error.</summary>
    /// <param name="reason">The disconnect reason code to send to the peer, or the one it sent.</param>
    /// <param name="message">What went wrong, naming the RFC section the peer broke where there is one.</param>
    /// <param name="sentByPeer">True when the peer sent SSH_MSG_DISCONNECT with <paramref name="reason"/>.</param>
    public SshProtocolException(DisconnectReason reason, string message, bool sentByPeer = false)
        : base(message)
    {
        Reason = reason;
        SentByPeer = sentByPeer;
    }

    /// <summary>The disconnect reason code that goes with this error (sent to, or received from, the peer).</summary>
    public DisconnectReason Reason { get; }

    /// <summary>True when the peer sent SSH_MSG_DISCONNECT; false when we detected the problem.</summary>
    public bool SentByPeer { get; }
}

/// <summary>The connection is gone (closed by the peer, reset, or timed out).</summary>
public class SshConnectionException : SshException
{
    /// <summary>Creates the error with its message and, when there is one, the socket or I/O error behind it.</summary>
    public SshConnectionException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Authentication failed. <see cref="AllowedMethods"/> lists what the server would still accept.</summary>
public class AuthenticationException : SshException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="allowedMethods">The methods the server still allows (its last USERAUTH_FAILURE); null for none known.</param>
    /// <param name="inner">The error behind this one, if any.</param>
    public AuthenticationException(string message, IReadOnlyList<string>? allowedMethods = null, Exception? inner = null)
        : base(message, inner)
    {
        AllowedMethods = allowedMethods ?? Array.Empty<string>();
    }

    /// <summary>The authentication method names (<c>publickey</c>, <c>password</c>, <c>keyboard-interactive</c>...) the
    /// server listed as able to continue in its last SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1); empty when unknown.</summary>
    public IReadOnlyList<string> AllowedMethods { get; }
}

/// <summary>None of the methods we could try is one the server allows.</summary>
public class BadAuthenticationTypeException : AuthenticationException
{
    /// <summary>Creates the error with the methods the server allows, none of which we could try.</summary>
    public BadAuthenticationTypeException(string message, IReadOnlyList<string> allowedMethods)
        : base(message, allowedMethods) { }
}

/// <summary>The server accepted a method but wants more (RFC 4252 §5.1 partial success).</summary>
public class PartialAuthenticationException : AuthenticationException
{
    /// <summary>Creates the error with the methods the server wants next.</summary>
    public PartialAuthenticationException(string message, IReadOnlyList<string> allowedMethods)
        : base(message, allowedMethods) { }
}

/// <summary>The server's host key does not match the one on record.</summary>
public class BadHostKeyException : SshException
{
    /// <summary>Creates the error; the message tells the user how to proceed.</summary>
    /// <param name="host">The host as looked up in known_hosts (<c>host</c>, or <c>[host]:port</c> off port 22).</param>
    /// <param name="expectedFingerprint">The recorded key's SHA-256 fingerprint (<c>SHA256:...</c>), or <c>(revoked)</c>
    /// when the key presented is marked <c>@revoked</c>.</param>
    /// <param name="receivedFingerprint">The fingerprint of the key the server presented.</param>
    public BadHostKeyException(string host, string expectedFingerprint, string receivedFingerprint)
        : base($"Host key for {host} has changed: expected {expectedFingerprint}, received {receivedFingerprint}. " +
               "If the server was legitimately re-keyed, remove the old entry from known_hosts; otherwise someone may be intercepting the connection.")
    {
        Host = host;
        ExpectedFingerprint = expectedFingerprint;
        ReceivedFingerprint = receivedFingerprint;
    }

    /// <summary>The host as looked up in known_hosts: <c>host</c>, or <c>[host]:port</c> when the port is not 22.</summary>
    public string Host { get; }

    /// <summary>The SHA-256 fingerprint (<c>SHA256:...</c>) of the key on record for <see cref="Host"/>, or
    /// <c>(revoked)</c> when the key presented is marked <c>@revoked</c> in known_hosts.</summary>
    public string ExpectedFingerprint { get; }

    /// <summary>The SHA-256 fingerprint (<c>SHA256:...</c>) of the key the server presented.</summary>
    public string ReceivedFingerprint { get; }
}

/// <summary>A private key file is protected by a passphrase and none was given, or the one given is wrong
/// (paramiko's <c>PasswordRequiredException</c>).</summary>
public class KeyPassphraseException : SshException
{
    /// <summary>Creates the error; <paramref name="passphraseGiven"/> says whether a passphrase was tried.</summary>
    public KeyPassphraseException(string message, bool passphraseGiven) : base(message)
    {
        PassphraseGiven = passphraseGiven;
    }

    /// <summary>False: the key needs a passphrase and none was given. True: the passphrase given does not decrypt it.</summary>
    public bool PassphraseGiven { get; }
}
