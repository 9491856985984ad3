using Ssh.Channels;
using Ssh.Client;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs exec</c>: ssh's "run one command" mode.</summary>
internal static class ExecCommand
{
    public const string Help =
        """
        usage: sshcs exec [options] [user@]host COMMAND...

        Runs COMMAND on host, like ssh: stdin, stdout and stderr stream through, and the exit status is the
        command's (255 when the connection or authentication fails, or the command was killed by a signal).
        Authentication tries the keys given, the ssh-agent's, ~/.ssh/id_*, then the password.

        options:
          -p PORT                     the port (22)
          -l USER                     the user (or user@host)
          -i KEY                      a private key file (repeatable); KEY-cert.pub beside it is offered first
          -F CONFIG                   an ssh_config file (~/.ssh/config then /etc/ssh/ssh_config by default):
                                      Host and Match blocks, Include, HostName, User, Port, IdentityFile,
                                      CertificateFile, ProxyJump, ProxyCommand, UserKnownHostsFile,
                                      StrictHostKeyChecking, ForwardAgent, the algorithm lists... as ssh
          -J HOST[,HOST...]           reach the host through these jump hosts ([user@]host[:port]), as ssh -J
          -A / -a                     forward the ssh-agent ($SSH_AUTH_SOCK) to the command / do not
          --password-env VAR          the password, from the environment (never from the command line)
          --known-hosts FILE          known_hosts to check and save to (~/.ssh/known_hosts, or UserKnownHostsFile)
          --host-key-policy POLICY    for a host not in known_hosts: reject (default), auto-add or warn
                                      (StrictHostKeyChecking yes, accept-new, no decide it when this is not given)
          -C                          compression (zlib@openssh.com, then zlib), as ssh -C
          -v, -vv, -vvv               what the protocol does, on stderr as ssh's debug1:/debug2: lines (-v: versions,
                                      negotiated algorithms, host key, authentication, channels; -vv adds the
                                      KEXINIT proposals and the channel requests)
          -o Name=value               any ssh_config option, winning over the file: KexAlgorithms,
                                      HostKeyAlgorithms, Ciphers, MACs, PubkeyAcceptedAlgorithms (a list, or
                                      +list, -list, ^list), Compression, ConnectTimeout (default 30),
                                      ServerAliveInterval, ServerAliveCountMax, ProxyJump, ...; and ours:
                                      Profile=Modern|Compatible|Legacy
        """;

    private const int ConnectionFailed = 255;

    public static async Task<int> RunAsync(string[] args)
    {
        // One connection, and nothing here blocks inside a socket continuation: where the connection goes through
        // the runtime's socket engine (off Linux; on Linux it bypasses it), let continuations run on the engine's
        // thread instead of hopping to the thread pool for every packet. The runtime reads this when it first uses
        // a socket, which is after this line.
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        ExecOptions options;
        try
        {
            options = ExecOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sshcs exec: {e.Message}");
            return ConnectionFailed;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        SshClient? client = null;
        Channel channel;
        try
        {
            client = await options.ConnectAsync(cancel.Token).ConfigureAwait(false);
            SshTransport transport = client.GetTransport()!;
            channel = await transport.OpenSessionAsync(cancel.Token).ConfigureAwait(false);
            // -A (or ForwardAgent): ask for it on the session, as ssh does; a refusal leaves the command without an agent.
            if (transport.IsAgentForwarding && !await channel.RequestForwardAgentAsync(cancel.Token).ConfigureAwait(false))
                Console.Error.WriteLine("sshcs: the server refused agent forwarding.");
            await channel.ExecCommandAsync(options.Command, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or FormatException or OperationCanceledException or UnauthorizedAccessException
                                       or TimeoutException)
        {
            Console.Error.WriteLine($"sshcs: {options.Host}:{options.Port}: {options.Describe(e)}");
            if (client is not null) await client.DisposeAsync().ConfigureAwait(false);
            return ConnectionFailed;
        }

        await using SshClient connected = client;
        try
        {
            Task stdin = PumpStdin(channel, cancel.Token);
            Task stdout = Pump(channel.Read, Console.OpenStandardOutput(), "stdout", cancel.Token);
            Task stderr = Pump(channel.ReadStderr, Console.OpenStandardError(), "stderr", cancel.Token);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            int status = await channel.RecvExitStatusAsync(cancel.Token).ConfigureAwait(false);
            if (channel.ExitSignal is { } signal)
            {
                // As ssh: a command killed by a signal is reported, and the exit status is 255.
                Console.Error.WriteLine($"sshcs: remote command killed by signal {signal.SignalName}");
                return ConnectionFailed;
            }
            _ = stdin; // a command that ends without reading its input is normal: stdin is abandoned
            return status < 0 ? ConnectionFailed : status;
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or TimeoutException)
        {
            Console.Error.WriteLine($"sshcs: {options.Host}:{options.Port}: {options.Describe(e)}");
            return ConnectionFailed;
        }
    }

    /// <summary>A read of the channel's stdout or stderr: the blocking twin, which the read loop wakes directly.</summary>
    private delegate int ChannelRead(Span<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Copies one channel stream to one of ours on a thread of its own. Console writes block anyway, and a
    /// blocking channel read is woken straight from the read loop: one thread switch per arrival where an async pump
    /// costs a thread-pool hop or more, which on a fast download is most of the client's CPU.</summary>
    private static Task Pump(ChannelRead read, Stream output, string name, CancellationToken cancellationToken) => OnOwnThread(name, () =>
    {
        byte[] buffer = new byte[256 * 1024];
        int n;
        while ((n = read(buffer, cancellationToken)) > 0) output.Write(buffer, 0, n);
    });

    /// <summary>Sends our stdin to the command, then EOF, on a thread of its own: a console read has no true async
    /// form (ReadAsync queues a blocking read to the thread pool, a hop per 64 KiB of an upload), and the channel's
    /// blocking write sends straight from the buffer, waiting for window here, woken straight from the read loop.
    /// The channel closing (the command ended, or we are closing after a cancellation) ends such a wait.</summary>
    private static Task PumpStdin(Channel channel, CancellationToken cancellationToken) => OnOwnThread("stdin", () =>
    {
        try
        {
            using Stream input = Console.OpenStandardInput();
            StdinPipe.Enlarge();
            using Stream output = channel.AsStream(ownsChannel: false);
            byte[] buffer = new byte[256 * 1024];
            int n;
            while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                output.Write(buffer, 0, n);
            }
            channel.ShutdownWriteAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException)
        {
            // The command finished or the channel closed before its input did: nothing more to send.
        }
    });

    /// <summary>Runs <paramref name="work"/> on a background thread of its own ("sshcs NAME"); the task ends with it, or
    /// with its exception.</summary>
    private static Task OnOwnThread(string name, Action work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "sshcs " + name }.Start();
        return done.Task;
    }
}
