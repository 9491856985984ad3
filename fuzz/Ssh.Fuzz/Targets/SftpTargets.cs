namespace Ssh.Fuzz.Targets;

/// <summary>
/// The place for SFTP's targets. SFTP's packet codec (draft-ietf-secsh-filexfer-02) is on another branch; when it
/// merges, its targets go here: one per direction of the packet reader (a client reading server replies, a server
/// reading client requests), fed raw packets, each listed in <see cref="All"/> with a seed corpus under
/// fuzz/corpus/sftp-*/ made from the codec's own writers (see SeedCorpus).
/// </summary>
internal static class SftpTargets
{
    public static IEnumerable<FuzzTarget> All() => [];
}
