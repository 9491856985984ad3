namespace Ssh.Channels;

/// <summary>The signal a remote process died from (RFC 4254 §6.10 "exit-signal").</summary>
/// <param name="SignalName">The signal's name without "SIG": "TERM", "KILL", "SEGV", ...</param>
/// <param name="CoreDumped">Whether the process left a core dump.</param>
/// <param name="ErrorMessage">The server's text about it (control characters removed).</param>
public sealed record ExitSignal(string SignalName, bool CoreDumped, string ErrorMessage);
