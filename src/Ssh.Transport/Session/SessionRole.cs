namespace Ssh.Transport.Session;

/// <summary>Which side of the connection this end is (RFC 4253 §7: the roles decide the direction of every key).</summary>
internal enum SessionRole
{
    /// <summary>The side that opened the connection.</summary>
    Client,

    /// <summary>The side that accepted it and holds the host key.</summary>
    Server,
}
