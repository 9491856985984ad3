using Ssh.Channels;

namespace Ssh.Client;

public sealed partial class SshClient
{
    /// <summary>paramiko's exec_command: runs <paramref name="command"/> on a new session channel and returns its
    /// stdin, stdout and stderr files (<c>Stdout.Channel</c> is the channel, for <see cref="Channel.RecvExitStatus"/>).</summary>
    /// <param name="command">The command line, run by the user's shell on the server.</param>
    /// <param name="bufsize">paramiko's bufsize for the three files: -1 (the default) and 0 write through, 1 buffers
    /// by line, more buffers that many bytes until a flush.</param>
    /// <param name="timeout">Applies to every read and write on the channel (<see cref="Channel.SetTimeout"/>);
    /// null waits forever.</param>
    /// <param name="getPty">Whether to ask for a pseudo-terminal first (stdout and stderr then arrive merged).</param>
    /// <param name="environment">Variables to set with <c>env</c> requests first; servers usually accept only a few.</param>
    /// <param name="cancellationToken">Cancels the setup; the channel is closed.</param>
    /// <exception cref="Ssh.Transport.SshException">Not connected, or the server refused the command.</exception>
    /// <remarks>With a <paramref name="timeout"/>, a read or write on the three files that waits longer raises
    /// <see cref="TimeoutException"/> (paramiko's <c>socket.timeout</c>) and leaves the channel usable.</remarks>
    public async Task<(ChannelFile Stdin, ChannelFile Stdout, ChannelFile Stderr)> ExecCommandAsync(string command,
        int bufsize = -1, TimeSpan? timeout = null, bool getPty = false, IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        SshTransport transport = RequireTransport();
        Channel channel = await transport.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            channel.SetTimeout(timeout);
            if (_forwardAgent) await channel.RequestForwardAgentAsync(cancellationToken).ConfigureAwait(false);
            if (getPty) await channel.GetPtyAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (environment is not null) await channel.UpdateEnvironmentAsync(environment, cancellationToken).ConfigureAwait(false);
            await channel.ExecCommandAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return (channel.MakeFileStdin(bufsize), channel.MakeFile(bufsize), channel.MakeFileStderr(bufsize));
    }

    /// <summary>The blocking twin of <see cref="ExecCommandAsync"/> (paramiko's <c>exec_command</c>).</summary>
    public (ChannelFile Stdin, ChannelFile Stdout, ChannelFile Stderr) ExecCommand(string command, int bufsize = -1,
        TimeSpan? timeout = null, bool getPty = false, IReadOnlyDictionary<string, string>? environment = null) =>
        ExecCommandAsync(command, bufsize, timeout, getPty, environment).GetAwaiter().GetResult();

    /// <summary>paramiko's invoke_shell: a channel with a pseudo-terminal running the user's shell.</summary>
    /// <param name="term">The TERM the pty reports.</param>
    /// <param name="width">The width in characters.</param>
    /// <param name="height">The height in rows.</param>
    /// <param name="widthPixels">The width in pixels; 0 when unknown.</param>
    /// <param name="heightPixels">The height in pixels; 0 when unknown.</param>
    /// <param name="environment">Variables to set with <c>env</c> requests before the shell starts.</param>
    /// <param name="cancellationToken">Cancels the setup; the channel is closed.</param>
    /// <exception cref="Ssh.Transport.SshException">Not connected, or the server refused the pty or the shell.</exception>
    public async Task<Channel> InvokeShellAsync(string term = "vt100", int width = 80, int height = 24, int widthPixels = 0,
        int heightPixels = 0, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        Channel channel = await RequireTransport().OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_forwardAgent) await channel.RequestForwardAgentAsync(cancellationToken).ConfigureAwait(false);
            await channel.GetPtyAsync(term, width, height, widthPixels, heightPixels, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (environment is not null) await channel.UpdateEnvironmentAsync(environment, cancellationToken).ConfigureAwait(false);
            await channel.InvokeShellAsync(cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The blocking twin of <see cref="InvokeShellAsync"/> (paramiko's <c>invoke_shell</c>).</summary>
    public Channel InvokeShell(string term = "vt100", int width = 80, int height = 24) =>
        InvokeShellAsync(term, width, height).GetAwaiter().GetResult();
}
