namespace Ssh.Transport.Algorithms.Macs;

/// <summary>One MAC algorithm as negotiated in KEXINIT (RFC 4253 §7.1): its wire name, key and output sizes, the first
/// profile that offers it, and a factory taking exactly <paramref name="KeySize"/> bytes of derived key (RFC 4253 §7.2).</summary>
internal sealed record MacInfo(string Name, int KeySize, int Size, bool EncryptThenMac, AlgorithmProfile Profile, Func<byte[], IMac> Create)
{
    public bool IsDefault => Profile == AlgorithmProfile.Modern;
}
