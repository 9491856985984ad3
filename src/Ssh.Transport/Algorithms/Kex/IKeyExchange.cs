using System.Security.Cryptography;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// One key-exchange method's arithmetic, with no I/O: the state machine in KeyExchange/ moves the messages.
/// Every method we support has the ECDH shape (RFC 5656 §4): the client sends one public value, the server
/// answers with its own, both derive the shared secret K.
/// </summary>
public interface IKeyExchange : IDisposable
{
    HashAlgorithmName HashAlgorithm { get; }

    /// <summary>Client: makes an ephemeral key pair and returns the value for KEX_ECDH_INIT (Q_C).</summary>
    byte[] CreateClientPublic();

    /// <summary>Client: takes the server's Q_S and returns K encoded as it enters the exchange hash and key
    /// derivation (an mpint for curve25519, RFC 8731 §3.1). Rejects invalid peer values.</summary>
    byte[] CompleteClient(ReadOnlySpan<byte> serverPublic);

    /// <summary>Server: takes Q_C, returns Q_S and the encoded K.</summary>
    (byte[] ServerPublic, byte[] SharedSecret) RespondServer(ReadOnlySpan<byte> clientPublic);
}
