using Ssh.Transport;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>The exit signal a remote process died from (RFC 4254 §6.10).</summary>
public sealed record ExitSignal(string SignalName, bool CoreDumped, string ErrorMessage);

public sealed partial class Channel
{
    private readonly TaskCompletionSource<int> _exitStatus = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _requestLock = new(1, 1);
    private int? _receivedExitStatus;

    /// <summary>The signal the remote process died from, if it reported one.</summary>
    public ExitSignal? ExitSignal { get; private set; }

    /// <summary>Handles requests the peer makes on this channel; the default understands exit-status and
    /// exit-signal and refuses the rest. Returns whether the request succeeded.</summary>
    internal Func<Channel, ChannelRequestMessage, ValueTask<bool>>? RequestHandler { get; set; }

    /// <summary>Server side: called (not awaited) once a request the handler accepted has been answered, to start
    /// what it asked for. Output started from the handler itself could overtake the CHANNEL_SUCCESS, and a CLOSE
    /// sent before it makes the client fail the request and then meet a reply for a channel it no longer has.</summary>
    internal Action<Channel, ChannelRequestMessage>? RequestAccepted { get; set; }

    /// <summary>Sends a channel request (RFC 4254 §5.4). With <paramref name="wantReply"/> waits for the answer.</summary>
    public async Task<bool> SendRequestAsync(string requestType, bool wantReply, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        TaskCompletionSource<bool>? reply = null;
        await _requestLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (wantReply)
            {
                reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_lock) _pendingRequests.Enqueue(reply);
            }
            await Session.SendAsync(new ChannelRequestMessage(RemoteId, requestType, wantReply, data), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _requestLock.Release();
        }
        return reply is null || await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RequireAsync(string requestType, ReadOnlyMemory<byte> data, string what, CancellationToken cancellationToken)
    {
        if (!await SendRequestAsync(requestType, true, data, cancellationToken).ConfigureAwait(false))
        {
            ThrowIfFailed();
            throw new SshException($"The server refused {what} on {this}.");
        }
    }

    /// <summary>Runs <paramref name="command"/> on the server (RFC 4254 §6.5 "exec").</summary>
    public Task ExecCommandAsync(string command, CancellationToken cancellationToken = default) =>
        RequireAsync("exec", new SshBuffer().WriteString(command).ToArray(), $"to run '{command}'", cancellationToken);

    public void ExecCommand(string command) => ExecCommandAsync(command).GetAwaiter().GetResult();

    /// <summary>Starts the user's login shell (RFC 4254 §6.5 "shell").</summary>
    public Task InvokeShellAsync(CancellationToken cancellationToken = default) =>
        RequireAsync("shell", ReadOnlyMemory<byte>.Empty, "a shell", cancellationToken);

    public void InvokeShell() => InvokeShellAsync().GetAwaiter().GetResult();

    /// <summary>Starts a subsystem such as <c>sftp</c> (RFC 4254 §6.5 "subsystem").</summary>
    public Task InvokeSubsystemAsync(string subsystem, CancellationToken cancellationToken = default) =>
        RequireAsync("subsystem", new SshBuffer().WriteString(subsystem).ToArray(), $"subsystem '{subsystem}'", cancellationToken);

    public void InvokeSubsystem(string subsystem) => InvokeSubsystemAsync(subsystem).GetAwaiter().GetResult();

    /// <summary>Requests a pseudo-terminal (RFC 4254 §6.2). <paramref name="modes"/> is the encoded terminal
    /// modes string (empty for the server's defaults).</summary>
    public Task GetPtyAsync(string term = "vt100", int width = 80, int height = 24, int widthPixels = 0, int heightPixels = 0,
        ReadOnlyMemory<byte> modes = default, CancellationToken cancellationToken = default)
    {
        byte[] encodedModes = modes.IsEmpty ? [0] : modes.ToArray(); // TTY_OP_END alone
        byte[] data = new SshBuffer().WriteString(term).WriteUInt32((uint)width).WriteUInt32((uint)height)
            .WriteUInt32((uint)widthPixels).WriteUInt32((uint)heightPixels).WriteString(encodedModes).ToArray();
        return RequireAsync("pty-req", data, "a pseudo-terminal", cancellationToken);
    }

    public void GetPty(string term = "vt100", int width = 80, int height = 24, int widthPixels = 0, int heightPixels = 0,
        ReadOnlyMemory<byte> modes = default) =>
        GetPtyAsync(term, width, height, widthPixels, heightPixels, modes).GetAwaiter().GetResult();

    /// <summary>Tells the server the terminal was resized (RFC 4254 §6.7); no reply.</summary>
    public Task ResizePtyAsync(int width = 80, int height = 24, int widthPixels = 0, int heightPixels = 0, CancellationToken cancellationToken = default)
    {
        byte[] data = new SshBuffer().WriteUInt32((uint)width).WriteUInt32((uint)height)
            .WriteUInt32((uint)widthPixels).WriteUInt32((uint)heightPixels).ToArray();
        return SendRequestAsync("window-change", false, data, cancellationToken);
    }

    public void ResizePty(int width = 80, int height = 24, int widthPixels = 0, int heightPixels = 0) =>
        ResizePtyAsync(width, height, widthPixels, heightPixels).GetAwaiter().GetResult();

    /// <summary>Sets an environment variable for the command to come (RFC 4254 §6.4). As in paramiko, no reply is
    /// asked for: servers silently drop names their configuration does not accept (OpenSSH's AcceptEnv).</summary>
    public Task SetEnvironmentVariableAsync(string name, string value, CancellationToken cancellationToken = default) =>
        SendRequestAsync("env", false, new SshBuffer().WriteString(name).WriteString(value).ToArray(), cancellationToken);

    public void SetEnvironmentVariable(string name, string value) => SetEnvironmentVariableAsync(name, value).GetAwaiter().GetResult();

    public async Task UpdateEnvironmentAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken = default)
    {
        foreach (var (name, value) in environment)
            await SetEnvironmentVariableAsync(name, value, cancellationToken).ConfigureAwait(false);
    }

    public void UpdateEnvironment(IReadOnlyDictionary<string, string> environment) => UpdateEnvironmentAsync(environment).GetAwaiter().GetResult();

    /// <summary>Delivers a signal (name without "SIG", e.g. "TERM") to the remote process (RFC 4254 §6.9).</summary>
    public Task SendSignalAsync(string signalName, CancellationToken cancellationToken = default) =>
        SendRequestAsync("signal", false, new SshBuffer().WriteString(signalName).ToArray(), cancellationToken);

    public void SendSignal(string signalName) => SendSignalAsync(signalName).GetAwaiter().GetResult();

    /// <summary>Server side: reports the exit status (RFC 4254 §6.10).</summary>
    public Task SendExitStatusAsync(int status, CancellationToken cancellationToken = default) =>
        SendRequestAsync("exit-status", false, new SshBuffer().WriteUInt32((uint)status).ToArray(), cancellationToken);

    /// <summary>Server side: reports that the process died from a signal (RFC 4254 §6.10).</summary>
    public Task SendExitSignalAsync(string signalName, bool coreDumped, string errorMessage = "", CancellationToken cancellationToken = default) =>
        SendRequestAsync("exit-signal", false,
            new SshBuffer().WriteString(signalName).WriteBoolean(coreDumped).WriteString(errorMessage).WriteString("").ToArray(),
            cancellationToken);

    public void SendExitStatus(int status) => SendExitStatusAsync(status).GetAwaiter().GetResult();

    /// <summary>True once the exit status arrived (or the channel closed without one).</summary>
    public bool ExitStatusReady() => _exitStatus.Task.IsCompleted;

    /// <summary>Waits for the remote command's exit status; -1 when the channel closed without one (as paramiko).</summary>
    public async Task<int> RecvExitStatusAsync(CancellationToken cancellationToken = default)
    {
        if (_exitStatus.Task.IsCompleted) return await _exitStatus.Task.ConfigureAwait(false);
        // While we wait, unread output must not hold the command up (see Channel.Relief.cs).
        SetWaiting(ExitWaiter, true);
        try
        {
            return await _exitStatus.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            SetWaiting(ExitWaiter, false);
        }
    }

    public int RecvExitStatus() => RecvExitStatusAsync().GetAwaiter().GetResult();

    internal async ValueTask OnRequestAsync(ChannelRequestMessage request)
    {
        bool ok;
        if (RequestHandler is not null)
        {
            ok = await RequestHandler(this, request).ConfigureAwait(false);
        }
        else
        {
            ok = HandleClientSideRequest(request);
        }
        if (request.WantReply)
        {
            var reply = ok ? MessageNumber.ChannelSuccess : MessageNumber.ChannelFailure;
            await Session.SendAsync(new ChannelSignalMessage(reply, RemoteId)).ConfigureAwait(false);
        }
        if (ok) RequestAccepted?.Invoke(this, request);
    }

    private bool HandleClientSideRequest(ChannelRequestMessage request)
    {
        var r = new SshReader(request.Data.Span);
        switch (request.RequestType)
        {
            case "exit-status":
                _receivedExitStatus = (int)r.ReadUInt32();
                _exitStatus.TrySetResult(_receivedExitStatus.Value);
                return true;
            case "exit-signal":
                ExitSignal = new ExitSignal(r.ReadString(), r.ReadBoolean(), Ssh.Transport.Session.SshSession.Sanitize(r.ReadString()));
                _exitStatus.TrySetResult(-1);
                return true;
            default:
                // keepalive@openssh.com and anything unknown: RFC 4254 §5.4 says reply failure.
                return false;
        }
    }
}
