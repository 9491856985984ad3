namespace Ssh.Transport.KeyExchange;

/// <summary>The algorithms both sides agreed on for one key exchange.</summary>
public sealed record NegotiatedAlgorithms(
    string Kex,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient,
    string CompressionClientToServer,
    string CompressionServerToClient);
