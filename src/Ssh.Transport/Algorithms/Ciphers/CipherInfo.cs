using Ssh.Transport.Algorithms.Macs;

namespace Ssh.Transport.Algorithms.Ciphers;

/// <summary>One cipher as negotiated in KEXINIT (RFC 4253 §7.1): its wire name, the key and IV sizes to derive
/// (RFC 4253 §7.2), whether it authenticates by itself (then no MAC is negotiated and <c>Create</c> gets
/// <see langword="null"/> for the MAC), the first profile that offers it, and a factory. <c>Create(key, iv, mac)</c>
/// takes exactly <paramref name="KeySize"/> and <paramref name="IvSize"/> bytes; the cipher owns and disposes the MAC.</summary>
internal sealed record CipherInfo(string Name, int KeySize, int IvSize, bool IsAead, AlgorithmProfile Profile, Func<byte[], byte[], IMac?, IPacketCipher> Create)
{
    public bool IsDefault => Profile == AlgorithmProfile.Modern;
}
