using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// One key exchange method (RFC 4253 §7, §8) for one exchange, doing no I/O: it takes the peer's messages and
/// says what to send, and finally hands over K and H. The session sends what it returns, checks the server's
/// host key, sends NEWKEYS and switches keys, so those rules live in one place for every method.
/// </summary>
/// <remarks>Message numbers 30–49 mean what the negotiated method says they mean (RFC 4251 §7, RFC 4253 §12):
/// the session hands every one of them to <see cref="Handle"/> and interprets none itself.</remarks>
internal interface IKeyExchangeMethod : IDisposable
{
    /// <summary>HASH of the method: for the exchange hash and for key derivation (RFC 4253 §7.2).</summary>
    HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Begins the exchange once both KEXINITs are known. The client gets its first message to send;
    /// the server usually nothing (it waits for the client).</summary>
    KexStep Start(KexContext context);

    /// <summary>Takes one message numbered 30–49 from the peer (the whole payload, number first). Anything the
    /// method does not expect now, or cannot parse, raises an <see cref="SshProtocolException"/>.</summary>
    KexStep Handle(ReadOnlySpan<byte> message);
}
