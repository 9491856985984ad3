using System.Net.Sockets;
using Ssh.Channels;
using Ssh.Server.Processes;
using Ssh.Sftp.Server;
using Ssh.Transport;

namespace Ssh.Server.Sessions;

/// <summary>One session channel of the built-in handler: collects pty and environment requests, then runs one
/// command or shell and pumps its stdin, stdout and stderr through the channel until it exits.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SessionChannel(Channel channel, string? peer, Action<string> log)
{
    private ChildProcess? _process;
    private PtyOptions? _pty;

    /// <summary>The most "env" variables one session keeps (OpenSSH keeps 1,000; a command needs a handful).</summary>
    public const int MaxEnvironmentVariables = 64;

    /// <summary>The most bytes of names and values one session's "env" requests may hold.</summary>
    public const int MaxEnvironmentBytes = 64 * 1024;

    private int _environmentBytes;

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The forwarded agent's socket (<c>SSH_AUTH_SOCK</c>), when the client asked for agent forwarding.</summary>
    public string? AgentSocket { get; set; }

    /// <summary>The authorized key's <c>environment=</c> options; they override what the client sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyEnvironment { get; set; } = [];

    /// <summary>Keeps an "env" variable within the limits; false once they are reached (RFC 4254 §6.4 lets a server
    /// refuse any of them).</summary>
    public bool SetEnvironment(string name, string value)
    {
        int size = (name.Length + value.Length) * sizeof(char);
        int previous = Environment.TryGetValue(name, out string? old) ? (name.Length + old.Length) * sizeof(char) : 0;
        if (previous == 0 && Environment.Count >= MaxEnvironmentVariables) return false;
        if (_environmentBytes - previous + size > MaxEnvironmentBytes) return false;
        _environmentBytes += size - previous;
        Environment[name] = value;
        return true;
    }

    public PtyOptions? Pty
    {
        get => _pty;
        set => _pty = value;
    }

    public bool Started { get; private set; }

    /// <summary>The command to run; null for a shell.</summary>
    public string? Command { get; private set; }

    /// <summary>With a forced command (authorized_keys <c>command=</c>, a certificate's <c>force-command</c>): what the
    /// client asked for, passed as <c>SSH_ORIGINAL_COMMAND</c> ("" for a shell); null otherwise.</summary>
    public string? OriginalCommand { get; private set; }

    public bool Prepare(string? command, string? forcedCommand = null)
    {
        // A command takes a process, its pipes and maybe a pty: refused while the process is short of descriptors.
        if (Started || !FileDescriptorBudget.HasRoomForCommand(8)) return false;
        Started = true;
        if (forcedCommand is not null)
        {
            OriginalCommand = command ?? "";
            command = forcedCommand;
        }
        Command = command;
        return true;
    }

    /// <summary>True when the session runs our SFTP server instead of a command.</summary>
    public bool IsSftp { get; private set; }

    public bool PrepareSftp()
    {
        if (!Prepare("internal-sftp")) return false;
        IsSftp = true;
        return true;
    }

    /// <summary>Serves SFTP on the channel until the client closes it, then ends the session with status 0.</summary>
    public async Task RunSftpAsync(ISftpFileSystem fileSystem)
    {
        try
        {
            await SftpServer.RunAsync(channel.AsStream(ownsChannel: false), fileSystem, new SftpServerOptions { Log = log }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The channel went away.
        }
        finally
        {
            (fileSystem as IDisposable)?.Dispose();
        }
        await FinishAsync(null, null, 0).ConfigureAwait(false);
    }

    public bool Resize(int width, int height, int widthPixels, int heightPixels)
    {
        if (_pty is null) return false;
        _pty = _pty with { Columns = width, Rows = height, WidthPixels = widthPixels, HeightPixels = heightPixels };
        _process?.Resize(width, height, widthPixels, heightPixels);
        return true;
    }

    public bool Signal(string signalName) => _process?.SendSignal(signalName) ?? false;

    public async Task RunAsync()
    {
        try
        {
            _process = ChildProcess.Start(BuildOptions());
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            log($"cannot start {(Command ?? "shell")}: {e.Message}");
            await FinishAsync(exit: null, stderrMessage: $"sshcs: cannot start the command: {e.Message}\n").ConfigureAwait(false);
            return;
        }
        await using ChildProcess process = _process;
        Task input = PumpInputAsync(process);
        Task output = PumpAsync(process.Output, channel.SendAllAsync);
        Task error = process.Error is null ? Task.CompletedTask : PumpAsync(process.Error, channel.SendAllStderrAsync);
        // If the client closes the channel first, the process gets the hang-up a terminal would give it.
        _ = channel.Completion.ContinueWith(_ =>
        {
            if (!process.Exited.IsCompleted) process.SendSignal("HUP");
        }, TaskScheduler.Default);

        ChildExit exit = await process.Exited.ConfigureAwait(false);
        await Task.WhenAll(output, error).ConfigureAwait(false);
        _ = input; // the command may end without reading its input
        await FinishAsync(exit, null).ConfigureAwait(false);
    }

    private ChildProcessOptions BuildOptions()
    {
        string home = System.Environment.GetEnvironmentVariable("HOME") ?? "/";
        string user = System.Environment.UserName;
        string shell = System.Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } s && File.Exists(s) ? s : "/bin/sh";
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = home,
            ["USER"] = user,
            ["LOGNAME"] = user,
            ["SHELL"] = shell,
            ["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin",
        };
        if (peer is not null) env["SSH_CLIENT"] = peer;
        if (_pty is not null) env["TERM"] = _pty.Term;
        foreach (var (name, value) in Environment) env[name] = value;
        foreach (var (name, value) in KeyEnvironment) env[name] = value;
        // What the server itself decided comes last, so that no variable from the client or the key replaces it.
        if (OriginalCommand is not null) env["SSH_ORIGINAL_COMMAND"] = OriginalCommand;
        if (AgentSocket is not null) env["SSH_AUTH_SOCK"] = AgentSocket;
        return new ChildProcessOptions
        {
            FileName = Command is null ? shell : "/bin/sh",
            // A shell is a login shell, named "-sh" style as login(1) does; a command goes through sh -c as in OpenSSH.
            ArgumentZero = Command is null ? "-" + Path.GetFileName(shell) : "sh",
            Arguments = Command is null ? [] : ["-c", Command],
            Environment = env,
            WorkingDirectory = Directory.Exists(home) ? home : "/",
            Pty = _pty,
        };
    }

    private async Task PumpInputAsync(ChildProcess process)
    {
        byte[] buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await channel.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                await process.Input.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            process.CloseInput();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SshException)
        {
            // The process stopped reading, or the channel went away.
        }
    }

    /// <summary>The output read buffer: two full data packets (32 KiB each), so a busy command's output leaves in
    /// packets as large as the peer allows instead of in the 4–8 KiB pieces a command writes.</summary>
    private const int OutputBufferSize = 64 * 1024;

    private static async Task PumpAsync(Stream source, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> send)
    {
        byte[] buffer = new byte[OutputBufferSize];
        try
        {
            int n;
            while ((n = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                n += TakeWhatIsWaiting(source, buffer.AsSpan(n));
                await send(buffer.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SshException)
        {
            // The channel closed under us: nothing more to deliver.
        }
    }

    /// <summary>After a read, what else the command has already written (never waiting for more): a command that
    /// writes in small pieces is sent in full packets, while a lone line still leaves at once.</summary>
    private static int TakeWhatIsWaiting(Stream source, Span<byte> rest)
    {
        if (source is not Processes.PipeReadStream pipe) return 0; // a pty's reader thread already reads ahead
        int taken = 0, n;
        while (taken < rest.Length && (n = pipe.ReadWaiting(rest[taken..])) > 0) taken += n;
        return taken;
    }

    private async Task FinishAsync(ChildExit? exit, string? stderrMessage, int status = 127)
    {
        try
        {
            if (stderrMessage is not null)
                await channel.SendAllStderrAsync(System.Text.Encoding.UTF8.GetBytes(stderrMessage)).ConfigureAwait(false);
            if (exit?.SignalName is { } signal)
                await channel.SendExitSignalAsync(signal, exit.CoreDumped).ConfigureAwait(false);
            else
                await channel.SendExitStatusAsync(exit?.ExitCode ?? status).ConfigureAwait(false);
            await channel.ShutdownWriteAsync().ConfigureAwait(false);
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException)
        {
            // The client is gone already.
        }
        log($"{(Command ?? "shell")} finished: {(exit?.SignalName is { } s ? "signal " + s : "status " + (exit?.ExitCode ?? status))}");
    }
}
