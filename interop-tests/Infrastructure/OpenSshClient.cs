namespace Ssh.InteropTests.Infrastructure;

/// <summary>Debian's <c>/usr/bin/ssh</c> against a <see cref="ServerTarget"/>: the reference client our own client is
/// compared with, and the proof that a fixture works.</summary>
public static class OpenSshClient
{
    /// <summary>The options every run gets: no user config, no prompts, no known_hosts, the target's key only.
    /// Caller options go first, so they win (ssh takes the first value of an option).</summary>
    public static IReadOnlyList<string> Arguments(ServerTarget target, IEnumerable<string>? options, string command)
    {
        var args = new List<string>(options ?? []);
        args.AddRange(
        [
            "-F", "/dev/null",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=10",
            "-i", target.KeyPath,
            "-p", target.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{target.UserName}@{target.Host}",
            "--",
            command,
        ]);
        return args;
    }

    /// <summary>Runs <paramref name="command"/> remotely with <c>ssh</c>; the exit code is the remote one (255 when
    /// ssh itself failed).</summary>
    public static Task<ProcessResult> ExecAsync(ServerTarget target, string command, IEnumerable<string>? options = null,
        byte[]? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(PeerBinaries.Ssh, Arguments(target, options, command), stdin, timeout, environment, cancellationToken: cancellationToken);
}
