namespace Ssh.Channels;

/// <summary>Limits on the server side of one connection before its user has authenticated.</summary>
public sealed class ServerConnectionOptions
{
    /// <summary>How long a client may take from connecting to authenticating (OpenSSH's LoginGraceTime, 120 s).</summary>
    public TimeSpan LoginGraceTime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Refused authentication attempts allowed per connection (OpenSSH's MaxAuthTries, 6); refused
    /// publickey queries count too, as in OpenSSH.</summary>
    public int MaxAuthTries { get; set; } = 6;

    /// <summary>Every refused attempt is answered this long after its request arrived (100 ms by default), whatever
    /// the method and whether the user exists: the answer's timing tells a guesser nothing, and guessing is slow.</summary>
    public TimeSpan FailedAuthenticationDelay { get; set; } = TimeSpan.FromMilliseconds(100);
}
