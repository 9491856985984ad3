namespace Ssh.Server.Processes;

/// <summary>
/// A pseudo-terminal as a "pty-req" asks for it (RFC 4254 §6.2): the TERM value, the window size
/// in characters and pixels, and the encoded terminal modes of RFC 4254 §8.
/// </summary>
internal sealed record PtyOptions(string Term, int Columns, int Rows, int WidthPixels, int HeightPixels, ReadOnlyMemory<byte> EncodedModes);

/// <summary>What to run and how: <see cref="ChildProcess.Start"/> takes one.</summary>
internal sealed class ChildProcessOptions
{
    /// <summary>
    /// The program's path, e.g. "/bin/sh". There is no PATH search; a relative path is resolved
    /// against <see cref="WorkingDirectory"/> when one is given.
    /// </summary>
    public required string FileName { get; init; }

    /// <summary>argv[0]; defaults to <see cref="FileName"/>. A login shell gets "-sh" style names.</summary>
    public string? ArgumentZero { get; init; }

    /// <summary>argv[1..].</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// The child's complete environment: nothing is inherited from this process. The caller adds
    /// HOME, USER, PATH, SSH_CONNECTION and the rest. With a pty and no TERM here, TERM is
    /// <see cref="PtyOptions.Term"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The child's working directory; null keeps this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Run on a new pseudo-terminal instead of three socket pairs.</summary>
    public PtyOptions? Pty { get; init; }

    /// <summary>
    /// How long <see cref="ChildProcess.DisposeAsync"/> waits after SIGHUP before it sends SIGKILL to
    /// a child that is still running.
    /// </summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// How a child ended, in the terms of RFC 4254 §6.10: either an exit code, or the signal that killed
/// it (named without "SIG", e.g. "TERM") and whether it dumped core. Both null when the status was lost
/// (another part of the process reaped the child; see <see cref="ChildProcess.Exited"/>).
/// </summary>
internal sealed record ChildExit(int? ExitCode, string? SignalName, bool CoreDumped)
{
    /// <summary>The Linux signal number behind <see cref="SignalName"/>.</summary>
    public int? SignalNumber { get; init; }
}
