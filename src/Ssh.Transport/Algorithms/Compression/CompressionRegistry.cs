using Ssh.Transport.Packets;

namespace Ssh.Transport.Algorithms.Compression;

/// <summary>The compression methods (RFC 4253 §6.2): <c>none</c>, and zlib started after authentication
/// (<c>zlib@openssh.com</c>, OpenSSH PROTOCOL §1.3) or at once (<c>zlib</c>). Compression is off unless asked for,
/// as in OpenSSH: <see cref="TransportSettings.Compression"/>.</summary>
internal static class CompressionRegistry
{
    public const string None = "none";
    public const string ZlibOpenSsh = "zlib@openssh.com";
    public const string Zlib = "zlib";

    /// <summary>The most one packet's payload may expand to (256 KiB, OpenSSH's packet limit).</summary>
    public const int MaxDecompressedPayload = 256 * 1024;

    /// <summary>What a client asks for with compression on (paramiko's <c>compress=True</c>, <c>ssh -C</c>).</summary>
    public static IReadOnlyList<string> ClientPreferred { get; } = [ZlibOpenSsh, Zlib, None];

    /// <summary>What a server offers when it allows compression (the client decides).</summary>
    public static IReadOnlyList<string> ServerOffered { get; } = [None, ZlibOpenSsh, Zlib];

    public static IReadOnlyList<string> Off { get; } = [None];

    public static bool IsKnown(string name) => name is None or ZlibOpenSsh or Zlib;

    /// <summary>Whether the method starts only once the user is authenticated.</summary>
    public static bool IsDelayed(string name) => name == ZlibOpenSsh;

    public static ICompressor? CreateCompressor(string name) =>
        name == None ? null : new ZlibCompressor(PacketLimits.MaxOutgoingPayload);

    public static IDecompressor? CreateDecompressor(string name) =>
        name == None ? null : new ZlibDecompressor(MaxDecompressedPayload);
}
