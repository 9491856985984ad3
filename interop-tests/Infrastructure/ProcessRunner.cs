using System.Diagnostics;
using System.Text;

namespace Ssh.InteropTests.Infrastructure;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, byte[] StdoutBytes, byte[] StderrBytes)
{
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);
    public string Stderr => Encoding.UTF8.GetString(StderrBytes);

    /// <summary>The command line and both outputs, for assertion messages.</summary>
    public string Describe() =>
        $"{FileName} {string.Join(' ', Arguments.Select(Quote))}\nexit code: {ExitCode}\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";

    private static string Tail(string text, int max = 4000) => text.Length <= max ? text : "…" + text[^max..];
}

/// <summary>Runs a child process to completion: arguments without shell quoting, optional stdin bytes, both outputs
/// captured apart, and a timeout after which the whole process tree is killed.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="fileName"/> and waits for it. Stdin gets <paramref name="stdin"/> and is then closed
    /// (closed at once when null). On timeout the process tree is killed and a <see cref="TimeoutException"/> carrying
    /// what it printed so far is thrown; cancelling <paramref name="cancellationToken"/> kills it too and throws
    /// <see cref="OperationCanceledException"/>.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        byte[]? stdin = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var args = arguments.ToArray();
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var arg in args) startInfo.ArgumentList.Add(arg);
        if (environment != null)
        {
            foreach (var (name, value) in environment)
            {
                if (value is null) startInfo.Environment.Remove(name);
                else startInfo.Environment[name] = value;
            }
        }

        using var process = new Process { StartInfo = startInfo };
        if (!process.Start()) throw new InvalidOperationException($"Could not start {fileName}.");

        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        // Drain both pipes from the start, so a chatty child never blocks on a full pipe.
        var stdoutTask = process.StandardOutput.BaseStream.CopyToAsync(stdout, CancellationToken.None);
        var stderrTask = process.StandardError.BaseStream.CopyToAsync(stderr, CancellationToken.None);
        var stdinTask = WriteStdinAsync(process, stdin);

        var limit = timeout ?? DefaultTimeout;
        using var timeoutCts = new CancellationTokenSource(limit);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stdoutTask, stderrTask, stdinTask).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            var partial = new ProcessResult(fileName, args, -1, stdout.ToArray(), stderr.ToArray());
            if (cancellationToken.IsCancellationRequested)
                throw new OperationCanceledException($"Cancelled; killed the process.\n{partial.Describe()}", cancellationToken);
            throw new TimeoutException($"Did not finish within {limit.TotalSeconds:0.#} s; killed it.\n{partial.Describe()}");
        }

        // The child has exited, but a grandchild may still hold the pipes open: bound the wait for EOF.
        await Task.WhenAll(stdoutTask, stderrTask, stdinTask).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        return new ProcessResult(fileName, args, process.ExitCode, stdout.ToArray(), stderr.ToArray());
    }

    /// <summary>Shorthand for <see cref="RunAsync"/> with a params argument list.</summary>
    public static Task<ProcessResult> RunAsync(string fileName, params string[] arguments) => RunAsync(fileName, (IEnumerable<string>)arguments);

    /// <summary>Runs and fails with the whole story unless the exit code is 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(fileName, arguments, timeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0) throw new InvalidOperationException($"Command failed.\n{result.Describe()}");
        return result;
    }

    private static async Task WriteStdinAsync(Process process, byte[]? data)
    {
        var stream = process.StandardInput.BaseStream;
        try
        {
            if (data is { Length: > 0 }) await stream.WriteAsync(data).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The child exited (or closed stdin) before reading everything: its exit code tells the story.
        }
        finally
        {
            try { process.StandardInput.Close(); } catch (IOException) { }
        }
    }

    internal static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }
}
