namespace Ssh.Cli;

/// <summary>The <c>sshcs</c> tool: subcommands over the library.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        string[] rest = args[1..];
        return args[0] switch
        {
            "exec" => await ExecCommand.RunAsync(rest).ConfigureAwait(false),
            "sftp" => await SftpCommand.RunAsync(rest).ConfigureAwait(false),
            "server" when OperatingSystem.IsLinux() => await ServerCommand.RunAsync(rest).ConfigureAwait(false),
            _ => Fail($"Unknown command '{args[0]}'.\n{Usage}"),
        };
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private const string Usage =
        """
        usage: sshcs <command> [options]

        commands:
          server [--listen ADDR:PORT] [--host-key FILE]... [--user NAME:PASSWORD]... [--authorized-keys FILE]
                 [-o Name=value]... [--subsystem NAME=COMMAND]... [--sftp-root DIR] [--max-startups N]
                 [--log-level info|error]
              A throw-away SSH server (default 127.0.0.1:2222, user test / password test, a host key kept in
              ~/.local/state/sshcs). Commands run as the server's own OS user; SFTP is served by our own
              server, from HOME, or with DIR as "/" and no way out (--sftp-root). Ctrl-C or SIGTERM stops it.
          exec [-C] [-F CONFIG] [-p PORT] [-l USER] [-i KEY]... [--password-env VAR] [--known-hosts FILE]
               [--host-key-policy reject|auto-add|warn] [-o Name=value]... [user@]host COMMAND...
              Runs COMMAND on host, streaming stdin/stdout/stderr; exits with its exit status
              (255 when the connection or authentication fails). -C asks for compression.
          sftp get|put|ls|rm|mkdir|rmdir|mv [-r] [exec's options] [user@]host:PATH [LOCAL|NEWPATH]
              One SFTP operation: get PATH to LOCAL, put LOCAL to PATH, list, remove, make or remove a directory,
              rename to NEWPATH; -r for directory trees. A progress bar on a terminal. Exits 0, 1 when the
              operation failed, 255 when the connection or authentication failed.

        -o options (server, exec and sftp), as ssh_config(5), with its +list (append to the default), -list
        (remove, patterns allowed) and ^list (put first) edits:
          KexAlgorithms, HostKeyAlgorithms, Ciphers, MACs, PubkeyAcceptedAlgorithms, Compression=yes|no,
          Profile=Modern|Compatible|Legacy (Compatible adds SHA-1 key exchange and MACs, ssh-rsa and AES-CBC;
          Legacy adds diffie-hellman-group1-sha1 and 3des-cbc).
        """;
}
