namespace Ssh.Transport.Algorithms.Compression;

/// <summary>Compresses the payloads of one direction (RFC 4253 §6.2): one stream for the life of the connection,
/// flushed at every packet so the peer can decompress each packet as it arrives. Allocates nothing per packet.</summary>
internal interface ICompressor : IDisposable
{
    /// <summary>Compresses <paramref name="payload"/> and writes the result to <paramref name="destination"/> (which
    /// may be the same memory); returns its length.</summary>
    int Compress(ReadOnlySpan<byte> payload, Span<byte> destination);
}

/// <summary>Decompresses the payloads of one direction, bounded: one packet never expands past
/// <see cref="CompressionRegistry.MaxDecompressedPayload"/>, so a compression bomb ends the connection instead of
/// growing memory.</summary>
internal interface IDecompressor : IDisposable
{
    /// <summary>Decompresses one packet's payload into a buffer the decompressor owns (valid until the next call).</summary>
    /// <exception cref="SshProtocolException">With <see cref="DisconnectReason.CompressionError"/>: the data is not a
    /// valid continuation of the stream, or it expands past the limit.</exception>
    ReadOnlyMemory<byte> Decompress(ReadOnlySpan<byte> compressed);
}
