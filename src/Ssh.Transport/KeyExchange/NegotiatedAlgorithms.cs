namespace Ssh.Transport.KeyExchange;

/// <summary>The algorithms both sides agreed on for one key exchange (RFC 4253 §7.1), by wire name.</summary>
/// <param name="Kex">The key exchange method, e.g. <c>curve25519-sha256</c>.</param>
/// <param name="HostKey">The server host key signature algorithm, e.g. <c>ssh-ed25519</c> or <c>rsa-sha2-512</c>.</param>
/// <param name="CipherClientToServer">The cipher for packets from the client.</param>
/// <param name="CipherServerToClient">The cipher for packets from the server.</param>
/// <param name="MacClientToServer">The MAC for packets from the client; null when the cipher is an AEAD one
/// (chacha20-poly1305, AES-GCM), which authenticates packets itself.</param>
/// <param name="MacServerToClient">The MAC for packets from the server; null with an AEAD cipher.</param>
/// <param name="CompressionClientToServer">The compression for packets from the client, e.g. <c>none</c>.</param>
/// <param name="CompressionServerToClient">The compression for packets from the server.</param>
public sealed record NegotiatedAlgorithms(
    string Kex,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient,
    string CompressionClientToServer,
    string CompressionServerToClient);
