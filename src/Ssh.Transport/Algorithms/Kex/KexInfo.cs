namespace Ssh.Transport.Algorithms.Kex;

/// <summary>A key exchange method as negotiated in KEXINIT (RFC 4253 §7.1): its wire name, the first profile that
/// offers it, and a factory for one exchange's method object (given the connection's settings).</summary>
internal sealed record KexInfo(string Name, AlgorithmProfile Profile, Func<TransportSettings, IKeyExchangeMethod> Create)
{
    public bool IsDefault => Profile == AlgorithmProfile.Modern;
}
