namespace Ssh.Transport.Algorithms.Kex;

/// <summary>A key exchange method as negotiated in KEXINIT (RFC 4253 §7.1): its wire name, whether we offer it by
/// default, and a factory for one exchange's method object.</summary>
internal sealed record KexInfo(string Name, bool IsDefault, Func<IKeyExchangeMethod> Create);
