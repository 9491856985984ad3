using System.Diagnostics;
using System.Globalization;
using Ssh.Client;
using Ssh.Sftp;
using Ssh.Transport;

namespace Ssh.Cli;

/// <summary><c>sshcs sftp get|put|ls|rm|mkdir|rmdir|mv [-r] [options] [user@]host:PATH [LOCAL|NEWPATH]</c>: one SFTP
/// operation with our client, with <c>sshcs exec</c>'s connection options. Exit status 0 on success, 1 when the
/// operation failed, 2 for a usage error, 255 when the connection or authentication failed.</summary>
internal static class SftpCommand
{
    public const string Help =
        """
        usage: sshcs sftp get|put|ls|rm|mkdir|rmdir|mv [-r] [exec's options] [user@]host:PATH [LOCAL|NEWPATH]

        One SFTP operation with our client: get PATH to LOCAL (- for stdout), put LOCAL to PATH, list PATH, remove
        it, make or remove a directory, rename it to NEWPATH; -r for directory trees. A progress line with rate and ETA on a
        terminal, one plain line otherwise. The connection options are sshcs exec's (sshcs help exec).
        Exit status: 0 done, 1 the operation failed, 2 a usage error, 255 the connection or authentication failed.
        """;

    private const int Failed = 1, Usage = 2, ConnectionFailed = 255;

    public static async Task<int> RunAsync(string[] args)
    {
        Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        if (args.Length == 0 || args[0] is not ("get" or "put" or "ls" or "rm" or "mkdir" or "rmdir" or "mv"))
        {
            Console.Error.WriteLine("usage: sshcs sftp get|put|ls|rm|mkdir|rmdir|mv [-r] [options] [user@]host:PATH [LOCAL|NEWPATH]");
            return Usage;
        }
        string verb = args[0];
        bool recursive = args.Contains("-r") || args.Contains("--recursive");
        ExecOptions options;
        string[] rest;
        try
        {
            options = ExecOptions.ParseConnection([.. args[1..].Where(a => a is not ("-r" or "--recursive"))], remotePath: true, out rest);
            if (verb is "put" or "mv" && rest.Length != 1) throw new ArgumentException($"{verb} needs {(verb == "put" ? "LOCAL" : "NEWPATH")} after host:PATH.");
            if (verb is not ("get" or "put" or "mv") && rest.Length != 0) throw new ArgumentException($"Unexpected '{rest[0]}'.");
            if (verb == "get" && rest.Length > 1) throw new ArgumentException($"Unexpected '{rest[1]}'.");
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sshcs sftp: {e.Message}");
            return Usage;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        SshClient client;
        SftpClient sftp;
        try
        {
            client = await options.ConnectAsync(cancel.Token).ConfigureAwait(false);
            sftp = await client.OpenSftpAsync(cancel.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or IOException or FormatException or OperationCanceledException or UnauthorizedAccessException
                                       or TimeoutException)
        {
            Console.Error.WriteLine($"sshcs: {options.Host}:{options.Port}: {options.Describe(e)}");
            return ConnectionFailed;
        }
        await using (client)
        await using (sftp)
        {
            string remote = options.RemotePath.Length == 0 ? "." : options.RemotePath;
            try
            {
                await RunVerbAsync(sftp, verb, remote, rest, recursive, cancel.Token).ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or TimeoutException)
            {
                Console.Error.WriteLine($"sshcs sftp: {e.Message}");
                return e is SftpException { Code: Ssh.Sftp.Protocol.SftpStatusCode.ConnectionLost } ? ConnectionFailed : Failed;
            }
        }
    }

    private static async Task RunVerbAsync(SftpClient sftp, string verb, string remote, string[] rest, bool recursive, CancellationToken ct)
    {
        switch (verb)
        {
            case "get":
            {
                string local = rest.Length > 0 ? rest[0] : Path.GetFileName(remote.TrimEnd('/'));
                // "-" (or /dev/stdout) is our stdout: the file's bytes go there, so the progress line goes to stderr.
                bool toStdout = local is "-" or "/dev/stdout" && !recursive;
                if (toStdout) local = "/dev/stdout";
                if (Directory.Exists(local) && !recursive) local = Path.Combine(local, Path.GetFileName(remote.TrimEnd('/')));
                if (recursive) await sftp.GetDirectoryAsync(remote, local, onFile: f => Console.Out.WriteLine(f), cancellationToken: ct).ConfigureAwait(false);
                else await WithProgressAsync(remote, p => sftp.GetAsync(remote, local, p, cancellationToken: ct), toStdout).ConfigureAwait(false);
                break;
            }
            case "put":
            {
                string local = rest[0];
                if (recursive) await sftp.PutDirectoryAsync(local, remote, onFile: f => Console.Out.WriteLine(f), cancellationToken: ct).ConfigureAwait(false);
                else await WithProgressAsync(local, p => sftp.PutAsync(local, remote, p, cancellationToken: ct)).ConfigureAwait(false);
                break;
            }
            case "ls":
                SftpAttributes target = await sftp.StatAsync(remote, ct).ConfigureAwait(false);
                if (!target.IsDirectory)
                {
                    Console.Out.WriteLine(target.FormatLongName(remote));
                    break;
                }
                foreach (SftpAttributes entry in (await sftp.ListDirAttrAsync(remote, ct).ConfigureAwait(false)).OrderBy(e => e.FileName, StringComparer.Ordinal))
                    Console.Out.WriteLine(entry.ToString());
                break;
            case "rm":
                if (recursive) await RemoveTreeAsync(sftp, remote, ct).ConfigureAwait(false);
                else await sftp.RemoveAsync(remote, ct).ConfigureAwait(false);
                break;
            case "mkdir":
                await sftp.MkdirAsync(remote, cancellationToken: ct).ConfigureAwait(false);
                break;
            case "rmdir":
                await sftp.RmdirAsync(remote, ct).ConfigureAwait(false);
                break;
            case "mv":
                if (sftp.HasExtension("posix-rename@openssh.com")) await sftp.PosixRenameAsync(remote, rest[0], ct).ConfigureAwait(false);
                else await sftp.RenameAsync(remote, rest[0], ct).ConfigureAwait(false);
                break;
        }
    }

    private static async Task RemoveTreeAsync(SftpClient sftp, string path, CancellationToken ct)
    {
        SftpAttributes attributes = await sftp.LStatAsync(path, ct).ConfigureAwait(false);
        if (!attributes.IsDirectory)
        {
            await sftp.RemoveAsync(path, ct).ConfigureAwait(false);
            return;
        }
        foreach (SftpAttributes entry in await sftp.ListDirAttrAsync(path, ct).ConfigureAwait(false))
        {
            string child = path.TrimEnd('/') + "/" + entry.FileName;
            if (entry.IsDirectory) await RemoveTreeAsync(sftp, child, ct).ConfigureAwait(false);
            else await sftp.RemoveAsync(child, ct).ConfigureAwait(false);
        }
        await sftp.RmdirAsync(path, ct).ConfigureAwait(false);
    }

    /// <summary>On a terminal a progress line with rate and ETA, redrawn at most 10 times a second; otherwise one
    /// plain line when the transfer ends.</summary>
    private static async Task WithProgressAsync(string name, Func<Action<long, long>, Task> transfer, bool onStderr = false)
    {
        TextWriter output = onStderr ? Console.Error : Console.Out;
        bool terminal = onStderr ? !Console.IsErrorRedirected : !Console.IsOutputRedirected;
        var clock = Stopwatch.StartNew();
        long lastDraw = -1000, moved = 0, total = 0;
        void Report(long done, long size)
        {
            moved = done;
            total = size;
            if (!terminal || clock.ElapsedMilliseconds - lastDraw < 100) return;
            lastDraw = clock.ElapsedMilliseconds;
            output.Write("\r" + Line(name, done, size, clock.Elapsed.TotalSeconds, final: false));
        }
        await transfer(Report).ConfigureAwait(false);
        output.Write((terminal ? "\r" : "") + Line(name, moved, total, clock.Elapsed.TotalSeconds, final: true) + "\n");
    }

    internal static string Line(string name, long done, long total, double seconds, bool final)
    {
        double rate = done / Math.Max(seconds, 1e-3) / 1e6;
        if (final)
            return string.Create(CultureInfo.InvariantCulture, $"{name}: {done} bytes in {seconds:0.00} s ({rate:0.0} MB/s)");
        int percent = total > 0 ? (int)(done * 100 / total) : 0;
        double eta = rate > 0 ? (total - done) / 1e6 / rate : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{name}  {percent,3}%  {done / 1e6,9:0.0} MB  {rate,7:0.0} MB/s  ETA {TimeSpan.FromSeconds(Math.Max(0, eta)):mm\\:ss}   ");
    }
}
