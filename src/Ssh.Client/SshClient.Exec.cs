using Ssh.Channels;

namespace Ssh.Client;

public sealed partial class SshClient
{
    /// <summary>paramiko's exec_command: runs <paramref name="command"/> and returns its stdin, stdout and
    /// stderr files. <paramref name="timeout"/> applies to every read and write on the channel.</summary>
    public async Task<(ChannelFile Stdin, ChannelFile Stdout, ChannelFile Stderr)> ExecCommandAsync(string command,
        int bufsize = -1, TimeSpan? timeout = null, bool getPty = false, IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        SshTransport transport = RequireTransport();
        Channel channel = await transport.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            channel.SetTimeout(timeout);
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

    public (ChannelFile Stdin, ChannelFile Stdout, ChannelFile Stderr) ExecCommand(string command, int bufsize = -1,
        TimeSpan? timeout = null, bool getPty = false, IReadOnlyDictionary<string, string>? environment = null) =>
        ExecCommandAsync(command, bufsize, timeout, getPty, environment).GetAwaiter().GetResult();

    /// <summary>paramiko's invoke_shell: a channel with a pseudo-terminal running the user's shell.</summary>
    public async Task<Channel> InvokeShellAsync(string term = "vt100", int width = 80, int height = 24, int widthPixels = 0,
        int heightPixels = 0, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        Channel channel = await RequireTransport().OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
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

    public Channel InvokeShell(string term = "vt100", int width = 80, int height = 24) =>
        InvokeShellAsync(term, width, height).GetAwaiter().GetResult();
}
