// TEMPORARY: replaced by the real registries from the ciphers branch.
using Ssh.Transport.Algorithms.Macs;
namespace Ssh.Transport.Algorithms.Ciphers
{
    public sealed record CipherInfo(string Name, int KeySize, int IvSize, bool IsAead, bool IsDefault, Func<byte[], byte[], IMac?, IPacketCipher> Create);
    public static class CipherRegistry
    {
        public static IReadOnlyList<CipherInfo> All { get; } = [];
        public static IReadOnlyList<string> DefaultNames { get; } = [];
        public static CipherInfo? Find(string name) => All.FirstOrDefault(c => c.Name == name);
    }
}
namespace Ssh.Transport.Algorithms.Macs
{
    public sealed record MacInfo(string Name, int KeySize, int Size, bool EncryptThenMac, bool IsDefault, Func<byte[], IMac> Create);
    public static class MacRegistry
    {
        public static IReadOnlyList<MacInfo> All { get; } = [];
        public static IReadOnlyList<string> DefaultNames { get; } = [];
        public static MacInfo? Find(string name) => All.FirstOrDefault(c => c.Name == name);
    }
}
