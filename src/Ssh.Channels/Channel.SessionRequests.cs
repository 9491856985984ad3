using Ssh.Transport;
using Ssh.Transport.Wire;

namespace Ssh.Channels;

/// <summary>The session channel's requests (RFC 4254 §6) under paramiko's names: each encodes its request-specific
/// data and sends it with <see cref="SendRequestAsync"/>; nothing here holds state.</summary>
public sealed partial class Channel
{
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

    /// <summary>The blocking twin of <see cref="ExecCommandAsync"/>.</summary>
    public void ExecCommand(string command) => ExecCommandAsync(command).GetAwaiter().GetResult();

    /// <summary>Asks the server to forward the client's ssh-agent to what runs on this session
    /// (<c>auth-agent-req@openssh.com</c>, PROTOCOL.agent; paramiko's <c>request_forward_agent</c>); send it before
    /// exec or shell. Returns whether the server agreed. The agent channels it then opens are let in only after
    /// <see cref="SshTransport.ForwardAgent"/>.</summary>
    public Task<bool> RequestForwardAgentAsync(CancellationToken cancellationToken = default) =>
        SendRequestAsync(ChannelTypes.AuthAgentRequest, true, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>The blocking twin of <see cref="RequestForwardAgentAsync"/>.</summary>
    public bool RequestForwardAgent() => RequestForwardAgentAsync().GetAwaiter().GetResult();

    /// <summary>Starts the user's login shell (RFC 4254 §6.5 "shell").</summary>
    public Task InvokeShellAsync(CancellationToken cancellationToken = default) =>
        RequireAsync("shell", ReadOnlyMemory<byte>.Empty, "a shell", cancellationToken);

    /// <summary>The blocking twin of <see cref="InvokeShellAsync"/>.</summary>
    public void InvokeShell() => InvokeShellAsync().GetAwaiter().GetResult();

    /// <summary>Starts a subsystem such as <c>sftp</c> (RFC 4254 §6.5 "subsystem").</summary>
    public Task InvokeSubsystemAsync(string subsystem, CancellationToken cancellationToken = default) =>
        RequireAsync("subsystem", new SshBuffer().WriteString(subsystem).ToArray(), $"subsystem '{subsystem}'", cancellationToken);

    /// <summary>The blocking twin of <see cref="InvokeSubsystemAsync"/>.</summary>
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

    /// <summary>The blocking twin of <see cref="GetPtyAsync"/>.</summary>
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

    /// <summary>The blocking twin of <see cref="ResizePtyAsync"/>.</summary>
    public void ResizePty(int width = 80, int height = 24, int widthPixels = 0, int heightPixels = 0) =>
        ResizePtyAsync(width, height, widthPixels, heightPixels).GetAwaiter().GetResult();

    /// <summary>Sets an environment variable for the command to come (RFC 4254 §6.4). As in paramiko, no reply is
    /// asked for: servers silently drop names their configuration does not accept (OpenSSH's AcceptEnv).</summary>
    public Task SetEnvironmentVariableAsync(string name, string value, CancellationToken cancellationToken = default) =>
        SendRequestAsync("env", false, new SshBuffer().WriteString(name).WriteString(value).ToArray(), cancellationToken);

    /// <summary>The blocking twin of <see cref="SetEnvironmentVariableAsync"/>.</summary>
    public void SetEnvironmentVariable(string name, string value) => SetEnvironmentVariableAsync(name, value).GetAwaiter().GetResult();

    /// <summary>paramiko's update_environment: one "env" request per variable.</summary>
    public async Task UpdateEnvironmentAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken = default)
    {
        foreach (var (name, value) in environment)
            await SetEnvironmentVariableAsync(name, value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blocking twin of <see cref="UpdateEnvironmentAsync"/>.</summary>
    public void UpdateEnvironment(IReadOnlyDictionary<string, string> environment) => UpdateEnvironmentAsync(environment).GetAwaiter().GetResult();

    /// <summary>Delivers a signal (name without "SIG", e.g. "TERM") to the remote process (RFC 4254 §6.9).</summary>
    public Task SendSignalAsync(string signalName, CancellationToken cancellationToken = default) =>
        SendRequestAsync("signal", false, new SshBuffer().WriteString(signalName).ToArray(), cancellationToken);

    /// <summary>The blocking twin of <see cref="SendSignalAsync"/>.</summary>
    public void SendSignal(string signalName) => SendSignalAsync(signalName).GetAwaiter().GetResult();

    /// <summary>Server side: reports the exit status (RFC 4254 §6.10).</summary>
    public Task SendExitStatusAsync(int status, CancellationToken cancellationToken = default) =>
        SendRequestAsync("exit-status", false, new SshBuffer().WriteUInt32((uint)status).ToArray(), cancellationToken);

    /// <summary>The blocking twin of <see cref="SendExitStatusAsync"/>.</summary>
    public void SendExitStatus(int status) => SendExitStatusAsync(status).GetAwaiter().GetResult();

    /// <summary>Server side: reports that the process died from a signal (RFC 4254 §6.10).</summary>
    public Task SendExitSignalAsync(string signalName, bool coreDumped, string errorMessage = "", CancellationToken cancellationToken = default) =>
        SendRequestAsync("exit-signal", false,
            new SshBuffer().WriteString(signalName).WriteBoolean(coreDumped).WriteString(errorMessage).WriteString("").ToArray(),
            cancellationToken);
}
