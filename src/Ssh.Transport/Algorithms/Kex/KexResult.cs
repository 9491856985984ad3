namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// The outcome of a key exchange method (RFC 4253 §8): the shared secret K, encoded as it enters the exchange
/// hash and key derivation (an mpint for ECDH, RFC 5656 §4; a string for the hybrid post-quantum methods), the
/// exchange hash H, and the server's host key blob K_S with its signature over H, which the client verifies.
/// </summary>
/// <remarks>The session owns <paramref name="SharedSecret"/> from here on and zeroes it once the keys are derived.</remarks>
internal sealed record KexResult(byte[] SharedSecret, byte[] ExchangeHash, byte[] HostKeyBlob, byte[] Signature);
