namespace Ssh.Transport;

/// <summary>The root of every error this library raises. An <see cref="IOException"/>, so code that handles
/// network failures generically keeps working.</summary>
public class SshException : IOException
{
    public SshException(string message) : base(message) { }
    public SshException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The peer broke the protocol, or sent a DISCONNECT. Carries the RFC 4253 §11.1 reason code.</summary>
public class SshProtocolException : SshException
{
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
    public SshConnectionException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Authentication failed. <see cref="AllowedMethods"/> lists what the server would still accept.</summary>
public class AuthenticationException : SshException
{
    public AuthenticationException(string message, IReadOnlyList<string>? allowedMethods = null, Exception? inner = null)
        : base(message, inner)
    {
        AllowedMethods = allowedMethods ?? Array.Empty<string>();
    }

    public IReadOnlyList<string> AllowedMethods { get; }
}

/// <summary>None of the methods we could try is one the server allows.</summary>
public class BadAuthenticationTypeException : AuthenticationException
{
    public BadAuthenticationTypeException(string message, IReadOnlyList<string> allowedMethods)
        : base(message, allowedMethods) { }
}

/// <summary>The server accepted a method but wants more (RFC 4252 §5.1 partial success).</summary>
public class PartialAuthenticationException : AuthenticationException
{
    public PartialAuthenticationException(string message, IReadOnlyList<string> allowedMethods)
        : base(message, allowedMethods) { }
}

/// <summary>The server's host key does not match the one on record.</summary>
public class BadHostKeyException : SshException
{
    public BadHostKeyException(string host, string expectedFingerprint, string receivedFingerprint)
        : base($"Host key for {host} has changed: expected {expectedFingerprint}, received {receivedFingerprint}. " +
               "If the server was legitimately re-keyed, remove the old entry from known_hosts; otherwise someone may be intercepting the connection.")
    {
        Host = host;
        ExpectedFingerprint = expectedFingerprint;
        ReceivedFingerprint = receivedFingerprint;
    }

    public string Host { get; }
    public string ExpectedFingerprint { get; }
    public string ReceivedFingerprint { get; }
}

/// <summary>A private key file is protected by a passphrase and none was given, or the one given is wrong
/// (paramiko's <c>PasswordRequiredException</c>).</summary>
public class KeyPassphraseException : SshException
{
    public KeyPassphraseException(string message, bool passphraseGiven) : base(message)
    {
        PassphraseGiven = passphraseGiven;
    }

    /// <summary>False: the key needs a passphrase and none was given. True: the passphrase given does not decrypt it.</summary>
    public bool PassphraseGiven { get; }
}
