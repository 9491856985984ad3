using System.Globalization;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Server.Infrastructure;

/// <summary>How a client logs in to <see cref="SshcsServerProcess"/>.</summary>
public enum Auth
{
    Password,
    Key,
}

/// <summary>Command lines for the real clients (OpenSSH, PuTTY, dropbear, paramiko) against <c>sshcs server</c>.</summary>
public static class PeerClients
{
    private static string PortText(SshcsServerProcess server) => server.Port.ToString(CultureInfo.InvariantCulture);

    // ---- OpenSSH ----------------------------------------------------------------------------------

    /// <summary>Options for <c>ssh</c> and <c>scp</c>: no user config, the server's key as the only known host key
    /// (StrictHostKeyChecking=yes proves it), and exactly one authentication method.</summary>
    public static List<string> OpenSshOptions(SshcsServerProcess server, Auth auth)
    {
        var options = new List<string>
        {
            "-F", "/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", $"UserKnownHostsFile={server.KnownHostsPath}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "IdentityAgent=none",
            "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=30",
        };
        if (auth == Auth.Key)
        {
            options.AddRange(["-o", "BatchMode=yes", "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
                "-o", "IdentitiesOnly=yes", "-i", server.ClientKeyPath]);
        }
        else
        {
            // ssh reads a password only from a terminal or SSH_ASKPASS: OpenSshEnvironment forces the latter.
            options.AddRange(["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
                "-o", "PreferredAuthentications=password", "-o", "NumberOfPasswordPrompts=1"]);
        }
        return options;
    }

    /// <summary>The environment for <c>ssh</c>/<c>scp</c>: with a password, SSH_ASKPASS points at a script that
    /// prints it (SSH_ASKPASS_REQUIRE=force, DISPLAY set).</summary>
    public static Dictionary<string, string?> OpenSshEnvironment(SshcsServerProcess server, Auth auth)
    {
        if (auth == Auth.Key) return new Dictionary<string, string?> { ["SSH_ASKPASS"] = null, ["DISPLAY"] = null };
        return new Dictionary<string, string?>
        {
            ["SSH_ASKPASS"] = AskpassScript(server),
            ["SSH_ASKPASS_REQUIRE"] = "force",
            ["DISPLAY"] = ":0",
        };
    }

    public static List<string> SshArguments(SshcsServerProcess server, Auth auth, string command, IEnumerable<string>? extraOptions = null)
    {
        var args = new List<string>(extraOptions ?? []);
        args.AddRange(OpenSshOptions(server, auth));
        args.AddRange(["-p", PortText(server), $"{server.User}@{server.Host}", "--", command]);
        return args;
    }

    /// <param name="ssh">The ssh to run: Debian's by default, <see cref="OpenSsh10.Ssh"/> for the post-quantum peer.</param>
    public static Task<ProcessResult> SshAsync(SshcsServerProcess server, Auth auth, string command, IEnumerable<string>? extraOptions = null,
        byte[]? stdin = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default, string? ssh = null) =>
        ProcessRunner.RunAsync(ssh ?? PeerBinaries.Ssh, SshArguments(server, auth, command, extraOptions), stdin, timeout,
            OpenSshEnvironment(server, auth), cancellationToken: cancellationToken);

    /// <summary><c>scp -O</c> (the legacy scp protocol over exec) from <paramref name="source"/> to
    /// <paramref name="target"/>; a remote path is written <c>remote:PATH</c>.</summary>
    /// <summary>scp, with the legacy protocol over exec (<c>-O</c>) or, when <paramref name="legacy"/> is false,
    /// OpenSSH 9's default SFTP protocol (the server's "sftp" subsystem).</summary>
    public static Task<ProcessResult> ScpAsync(SshcsServerProcess server, Auth auth, string source, string target, CancellationToken cancellationToken,
        bool legacy = true)
    {
        string Resolve(string path) => path.StartsWith("remote:", StringComparison.Ordinal) ? $"{server.User}@{server.Host}:{path["remote:".Length..]}" : path;
        var args = legacy ? new List<string> { "-O", "-q" } : new List<string> { "-q" };
        args.AddRange(OpenSshOptions(server, auth));
        args.AddRange(["-P", PortText(server), Resolve(source), Resolve(target)]);
        return ProcessRunner.RunAsync(PeerBinaries.Scp, args, timeout: TimeSpan.FromSeconds(90), environment: OpenSshEnvironment(server, auth),
            cancellationToken: cancellationToken);
    }

    private static string AskpassScript(SshcsServerProcess server)
    {
        string path = Path.Combine(server.Directory, "askpass.sh");
        if (!File.Exists(path))
        {
            string temp = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllText(temp, $"#!/bin/sh\nprintf '%s\\n' '{server.Password.Replace("'", "'\\''")}'\n");
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }

    // ---- PuTTY ------------------------------------------------------------------------------------

    /// <summary><c>plink -batch</c> with the host key pinned by fingerprint (<c>-hostkey SHA256:...</c>).</summary>
    public static async Task<ProcessResult> PlinkAsync(SshcsServerProcess server, Auth auth, string command, CancellationToken cancellationToken,
        IEnumerable<string>? extraArguments = null)
    {
        var args = new List<string> { "-batch", "-ssh", "-noagent", "-P", PortText(server), "-hostkey", server.HostKeyFingerprint };
        args.AddRange(extraArguments ?? []);
        if (auth == Auth.Password) args.AddRange(["-pw", server.Password]);
        else args.AddRange(["-i", await PuttyKeyAsync(server, cancellationToken)]);
        args.AddRange([$"{server.User}@{server.Host}", command]);
        // A private HOME: plink never reads or writes the real user's PuTTY settings.
        return await ProcessRunner.RunAsync(PeerBinaries.Plink, args, environment: PrivateHome(server, "putty-home"), cancellationToken: cancellationToken);
    }

    /// <summary>The client key converted by <c>puttygen KEY -O private -o KEY.ppk</c>.</summary>
    private static async Task<string> PuttyKeyAsync(SshcsServerProcess server, CancellationToken cancellationToken)
    {
        string ppk = server.ClientKeyPath + ".ppk";
        if (!File.Exists(ppk))
            await ProcessRunner.RunCheckedAsync(PeerBinaries.Puttygen, [server.ClientKeyPath, "-O", "private", "-o", ppk], TimeSpan.FromSeconds(30), cancellationToken);
        return ppk;
    }

    // ---- dropbear ---------------------------------------------------------------------------------

    public const string DropbearConvert = "/usr/bin/dropbearconvert";

    /// <summary><c>dbclient -y</c> (accepts the host key; it prints the fingerprint it accepted on stderr); the
    /// password through DROPBEAR_PASSWORD, the key converted by <c>dropbearconvert</c>.</summary>
    public static async Task<ProcessResult> DbclientAsync(SshcsServerProcess server, Auth auth, string command, CancellationToken cancellationToken,
        IEnumerable<string>? extraArguments = null)
    {
        var environment = PrivateHome(server, "dropbear-home");
        var args = new List<string> { "-y", "-p", PortText(server) };
        args.AddRange(extraArguments ?? []);
        if (auth == Auth.Password) environment["DROPBEAR_PASSWORD"] = server.Password;
        else args.AddRange(["-i", await DropbearKeyAsync(server, cancellationToken)]);
        args.AddRange([$"{server.User}@{server.Host}", command]);
        return await ProcessRunner.RunAsync(PeerBinaries.DropbearClient, args, environment: environment, cancellationToken: cancellationToken);
    }

    private static async Task<string> DropbearKeyAsync(SshcsServerProcess server, CancellationToken cancellationToken)
    {
        string key = server.ClientKeyPath + ".db";
        if (!File.Exists(key))
            await ProcessRunner.RunCheckedAsync(DropbearConvert, ["openssh", "dropbear", server.ClientKeyPath, key], TimeSpan.FromSeconds(30), cancellationToken);
        return key;
    }

    /// <summary>HOME (and no agent) pointing at a fresh dir under the server's temp dir, so a client's known_hosts
    /// or settings never touch the real user's.</summary>
    private static Dictionary<string, string?> PrivateHome(SshcsServerProcess server, string name)
    {
        string home = Path.Combine(server.Directory, name);
        System.IO.Directory.CreateDirectory(home);
        return new Dictionary<string, string?> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = null, ["DISPLAY"] = null };
    }

    // ---- paramiko ---------------------------------------------------------------------------------

    private const string ParamikoScript = """
        import sys, paramiko
        host, port, user, known_hosts, method, secret, command = sys.argv[1:8]
        compress = len(sys.argv) > 8 and sys.argv[8] == "compress"
        data = sys.stdin.buffer.read() if len(sys.argv) > 9 and sys.argv[9] == "stdin" else None
        client = paramiko.SSHClient()
        client.load_host_keys(known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        if method == "password":
            client.connect(host, port=int(port), username=user, password=secret, allow_agent=False, look_for_keys=False, timeout=30, compress=compress)
        else:
            client.connect(host, port=int(port), username=user, key_filename=secret, allow_agent=False, look_for_keys=False, timeout=30, compress=compress)
        stdin, stdout, stderr = client.exec_command(command)
        if data is not None:
            stdin.write(data)
        stdin.close()
        out = stdout.read()
        err = stderr.read()
        status = stdout.channel.recv_exit_status()
        sys.stdout.write(out.decode())
        sys.stderr.write(err.decode())
        sys.stderr.write("auth=%s\n" % client.get_transport().auth_handler.auth_method)
        if compress:
            sys.stderr.write("compression=%s,%s\n" % (client.get_transport().local_compression, client.get_transport().remote_compression))
        client.close()
        sys.exit(status)
        """;

    /// <summary>A paramiko <c>SSHClient</c> (RejectPolicy, the server's known_hosts) run by <c>/usr/bin/python3</c>
    /// from a script file; exits with the remote exit status and ends stderr with <c>auth=METHOD</c>.</summary>
    public static async Task<ProcessResult> ParamikoAsync(SshcsServerProcess server, Auth auth, string command, CancellationToken cancellationToken,
        bool compress = false, byte[]? stdin = null)
    {
        string script = Path.Combine(server.Directory, "paramiko_exec.py");
        if (!File.Exists(script))
        {
            string temp = script + "." + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(temp, ParamikoScript, cancellationToken);
            File.Move(temp, script, overwrite: true);
        }
        var args = new List<string>
        {
            script, server.Host, PortText(server), server.User, server.KnownHostsPath,
            auth == Auth.Password ? "password" : "publickey",
            auth == Auth.Password ? server.Password : server.ClientKeyPath,
            command, compress ? "compress" : "plain", stdin is null ? "no-stdin" : "stdin",
        };
        return await ProcessRunner.RunAsync(PeerBinaries.Python3, args, stdin, environment: PrivateHome(server, "paramiko-home"), cancellationToken: cancellationToken);
    }
}
