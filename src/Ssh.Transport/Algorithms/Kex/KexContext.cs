namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// What a key exchange method needs from the session: which side it runs on, the values every exchange hash
/// begins with (RFC 4253 §8: V_C, V_S and the KEXINIT payloads I_C, I_S) and, on the server, the host key K_S
/// and a way to sign H with the negotiated host key algorithm.
/// </summary>
internal sealed class KexContext
{
    private readonly Func<byte[], byte[]>? _sign;

    private KexContext(bool isClient, string clientVersion, string serverVersion, byte[] clientKexInit, byte[] serverKexInit,
        byte[]? hostKeyBlob, Func<byte[], byte[]>? sign)
    {
        IsClient = isClient;
        ClientVersion = clientVersion;
        ServerVersion = serverVersion;
        ClientKexInit = clientKexInit;
        ServerKexInit = serverKexInit;
        HostKeyBlob = hostKeyBlob;
        _sign = sign;
    }

    public static KexContext ForClient(string clientVersion, string serverVersion, byte[] clientKexInit, byte[] serverKexInit) =>
        new(true, clientVersion, serverVersion, clientKexInit, serverKexInit, null, null);

    /// <summary>The server side's context.</summary>
    /// <param name="clientVersion">V_C, the client's version line without CR LF.</param>
    /// <param name="serverVersion">V_S, our version line without CR LF.</param>
    /// <param name="clientKexInit">I_C, the payload of the client's KEXINIT.</param>
    /// <param name="serverKexInit">I_S, the payload of our KEXINIT.</param>
    /// <param name="hostKeyBlob">K_S, the blob of the host key of the negotiated algorithm.</param>
    /// <param name="signExchangeHash">Signs H with the negotiated host key algorithm and returns the signature
    /// blob (RFC 4253 §8; RFC 8332 §3 for which RSA hash).</param>
    public static KexContext ForServer(string clientVersion, string serverVersion, byte[] clientKexInit, byte[] serverKexInit,
        byte[] hostKeyBlob, Func<byte[], byte[]> signExchangeHash) =>
        new(false, clientVersion, serverVersion, clientKexInit, serverKexInit, hostKeyBlob, signExchangeHash);

    public bool IsClient { get; }

    /// <summary>V_C: the client's version line, without CR LF (RFC 4253 §4.2).</summary>
    public string ClientVersion { get; }

    /// <summary>V_S: the server's version line, without CR LF.</summary>
    public string ServerVersion { get; }

    /// <summary>I_C: the payload of the client's KEXINIT.</summary>
    public byte[] ClientKexInit { get; }

    /// <summary>I_S: the payload of the server's KEXINIT.</summary>
    public byte[] ServerKexInit { get; }

    /// <summary>Server: K_S, the blob of the host key for the negotiated algorithm. Client: null.</summary>
    public byte[]? HostKeyBlob { get; }

    /// <summary>Server: signs H with the negotiated host key algorithm.</summary>
    public byte[] SignExchangeHash(byte[] exchangeHash) =>
        (_sign ?? throw new InvalidOperationException("Only the server signs the exchange hash."))(exchangeHash);
}
