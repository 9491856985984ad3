namespace Ssh.Channels;

/// <summary>Limits on the server side of one connection before its user has authenticated.</summary>
public sealed class ServerConnectionOptions
{
    /// <summary>How long a client may take from connecting to authenticating (OpenSSH's LoginGraceTime, 120 s).</summary>
    public TimeSpan LoginGraceTime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Failed authentication attempts allowed per connection (OpenSSH's MaxAuthTries, 6).</summary>
    public int MaxAuthTries { get; set; } = 6;
}
