using Ssh.Fuzz.Targets;

namespace Ssh.Fuzz;

/// <summary>Every fuzz target, in the order <c>fuzz/run.sh</c> runs them.</summary>
internal static class Registry
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        .. PacketTargets.All(),
        VersionLineTarget.Create(),
        MessageTargets.Create(),
        .. KexTargets.All(),
        .. KeyTargets.All(),
        .. ClientTargets.All(),
        ConnectionTargets.Create(),
        ServerTargets.Create(),
        .. SftpTargets.All(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
