using static Ssh.Transport.AlgorithmProfile;

namespace Ssh.Transport.Algorithms.HostKeys;

/// <summary>Host key (signature) algorithms in preference order, with the key type each one needs. Certificates
/// (PROTOCOL.certkeys) come first, as in OpenSSH: a client that knows the host's CA checks them, and one that does
/// not falls back to the certified key; a server offers them only when it has a host certificate. <c>ssh-rsa</c>
/// (RSA with SHA-1, RFC 4253 §6.6) is off by default, for servers that cannot do rsa-sha2 (RFC 8332).</summary>
internal static class HostKeyRegistry
{
    public sealed record HostKeyAlgorithmInfo(string Name, string KeyType, AlgorithmProfile Profile)
    {
        public bool IsDefault => Profile == Modern;
    }

    public static IReadOnlyList<HostKeyAlgorithmInfo> All { get; } =
    [
        new("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com", Modern),
        new("ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com", Modern),
        new("ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", Modern),
        new("ecdsa-sha2-nistp521-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com", Modern),
        new("rsa-sha2-512-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", Modern),
        new("rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", Modern),
        new("ssh-ed25519", "ssh-ed25519", Modern),
        new("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", Modern),
        new("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", Modern),
        new("ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", Modern),
        new("rsa-sha2-512", "ssh-rsa", Modern),
        new("rsa-sha2-256", "ssh-rsa", Modern),
        new("ssh-rsa-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", Compatible),
        new("ssh-rsa", "ssh-rsa", Compatible),
    ];

    public static IReadOnlyList<string> DefaultNames { get; } = All.Where(a => a.IsDefault).Select(a => a.Name).ToArray();

    public static HostKeyAlgorithmInfo? Find(string name) => All.FirstOrDefault(a => a.Name == name);
}
