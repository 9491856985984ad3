using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Sftp;

namespace Ssh.InteropTests.Sftp;

/// <summary>Real SFTP clients against <c>sshcs server --sftp-root DIR</c> (our own SFTP server, no OpenSSH code):
/// OpenSSH's <c>sftp -b</c> and <c>scp</c> (SFTP mode), PuTTY's <c>psftp -b</c>, paramiko's SFTPClient, and ours.</summary>
[TestFixture]
public sealed class PeersAgainstSshcsSftpTests
{
    private const int TimeoutMs = 120_000;
    private SshcsServerProcess _server = null!;
    private string _root = null!;
    private string _local = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _root = Directory.CreateTempSubdirectory("sshcs-sftp-root-").FullName;
        _server = await SshcsServerProcess.StartAsync(["--sftp-root", _root]);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_server != null) await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [SetUp]
    public void MakeLocal() => _local = Directory.CreateTempSubdirectory("sshcs-sftp-local-").FullName;

    [TearDown]
    public void CleanUp()
    {
        _server?.WriteLogTailIfFailed();
        Directory.Delete(_local, recursive: true);
    }

    private string Fresh(string name)
    {
        string dir = Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private async Task<ProcessResult> OpenSshSftpAsync(string batch, CancellationToken ct)
    {
        string file = Path.Combine(_local, "batch");
        await File.WriteAllTextAsync(file, batch, ct);
        var args = new List<string> { "-b", file };
        args.AddRange(PeerClients.OpenSshOptions(_server, Auth.Key));
        args.AddRange(["-P", _server.Port.ToString(CultureInfo.InvariantCulture), $"{_server.User}@{_server.Host}"]);
        return await ProcessRunner.RunAsync(PeerBinaries.Sftp, args, timeout: TimeSpan.FromSeconds(90),
            environment: PeerClients.OpenSshEnvironment(_server, Auth.Key), cancellationToken: ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task OpenSshSftp_Batch_PutGetLsRenameSymlinkChmodMkdirRmDf(CancellationToken ct)
    {
        string dir = Fresh("openssh");
        string name = Path.GetFileName(dir);
        byte[] data = RandomBytes(3_000_000, 1);
        await File.WriteAllBytesAsync(Path.Combine(_local, "up.bin"), data, ct);
        string batch = $"""
            cd /{name}
            put {_local}/up.bin up.bin
            get up.bin {_local}/down.bin
            ls -l
            rename up.bin moved.bin
            symlink moved.bin link.bin
            chmod 600 moved.bin
            mkdir sub
            rmdir sub
            df -h .
            rm link.bin
            ls -l
            """;
        ProcessResult result = await OpenSshSftpAsync(batch, ct);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_local, "down.bin"), ct), Is.EqualTo(data));
        Assert.That(result.Stdout, Does.Contain("up.bin").And.Contain("3000000"), result.Describe);
        Assert.That(result.Stdout, Does.Contain("Avail"), result.Describe); // df went through statvfs@openssh.com
        Assert.That(File.Exists(Path.Combine(dir, "moved.bin")) && !File.Exists(Path.Combine(dir, "up.bin")), Is.True);
        Assert.That(File.GetUnixFileMode(Path.Combine(dir, "moved.bin")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(Directory.Exists(Path.Combine(dir, "sub")), Is.False);
        Assert.That(Path.Exists(Path.Combine(dir, "link.bin")), Is.False);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task OpenSshSftp_CannotLeaveTheRoot(CancellationToken ct)
    {
        ProcessResult result = await OpenSshSftpAsync("cd ../../..\npwd\nls /etc/passwd\n", ct);
        Assert.That(result.Stdout, Does.Contain("Remote working directory: /"), result.Describe);
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), "ls of a path that exists only outside the root must fail: " + result.Describe());
        Assert.That(result.Stderr, Does.Contain("not found").IgnoreCase, result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Scp_InItsDefaultSftpMode_BothWays(CancellationToken ct)
    {
        string dir = Fresh("scp");
        byte[] data = RandomBytes(5_000_000, 2);
        string up = Path.Combine(_local, "scp-up.bin");
        await File.WriteAllBytesAsync(up, data, ct);
        ProcessResult put = await PeerClients.ScpAsync(_server, Auth.Key, up, $"remote:/{Path.GetFileName(dir)}/scp.bin", ct, legacy: false);
        Assert.That(put.ExitCode, Is.EqualTo(0), put.Describe);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(dir, "scp.bin"), ct), Is.EqualTo(data));
        string down = Path.Combine(_local, "scp-down.bin");
        ProcessResult get = await PeerClients.ScpAsync(_server, Auth.Password, $"remote:/{Path.GetFileName(dir)}/scp.bin", down, ct, legacy: false);
        Assert.That(get.ExitCode, Is.EqualTo(0), get.Describe);
        Assert.That(await File.ReadAllBytesAsync(down, ct), Is.EqualTo(data));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task PuttyPsftp_Batch(CancellationToken ct)
    {
        string dir = Fresh("psftp");
        byte[] data = RandomBytes(2_000_000, 3);
        await File.WriteAllBytesAsync(Path.Combine(_local, "p.bin"), data, ct);
        string batch = Path.Combine(_local, "psftp-batch");
        await File.WriteAllTextAsync(batch, $"cd /{Path.GetFileName(dir)}\nput {_local}/p.bin p.bin\nmkdir d\nmv p.bin d/q.bin\nls d\nget d/q.bin {_local}/q.bin\nchmod 640 d/q.bin\n", ct);
        string home = Path.Combine(_local, "putty-home");
        Directory.CreateDirectory(home);
        ProcessResult result = await ProcessRunner.RunAsync(PeerBinaries.Psftp,
            ["-batch", "-b", batch, "-P", _server.Port.ToString(CultureInfo.InvariantCulture), "-pw", _server.Password, "-hostkey", _server.HostKeyFingerprint,
             $"{_server.User}@{_server.Host}"],
            timeout: TimeSpan.FromSeconds(90), environment: new Dictionary<string, string?> { ["HOME"] = home, ["SSH_AUTH_SOCK"] = null }, cancellationToken: ct);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(result.Stdout, Does.Contain("q.bin"), result.Describe);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_local, "q.bin"), ct), Is.EqualTo(data));
        Assert.That(File.GetUnixFileMode(Path.Combine(dir, "d", "q.bin")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
    }

    private const string ParamikoScript = """
        import sys, os, paramiko
        host, port, user, password, known_hosts, remote_dir, local_dir = sys.argv[1:8]
        client = paramiko.SSHClient()
        client.load_host_keys(known_hosts)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(host, port=int(port), username=user, password=password, allow_agent=False, look_for_keys=False, timeout=30)
        sftp = client.open_sftp()
        sftp.chdir(remote_dir)
        sftp.put(os.path.join(local_dir, "in.bin"), "a.bin")
        sftp.get("a.bin", os.path.join(local_dir, "out.bin"))
        sftp.rename("a.bin", "b.bin")
        sftp.symlink("b.bin", "c.lnk")
        sftp.chmod("b.bin", 0o640)
        sftp.mkdir("dir")
        with sftp.open("dir/text.txt", "w") as f:
            f.write("written by paramiko\n")
        with sftp.open("dir/text.txt", "r") as f:
            print("read:" + f.read().decode().strip())
        print("list:" + ",".join(sorted(sftp.listdir("."))))
        print("size:%d" % sftp.stat("b.bin").st_size)
        print("mode:%o" % (sftp.stat("b.bin").st_mode & 0o777))
        print("link:" + sftp.readlink("c.lnk"))
        print("cwd:" + sftp.getcwd())
        try:
            sftp.stat("missing")
        except IOError as e:
            print("missing:%d" % e.errno)
        sftp.remove("c.lnk")
        sftp.remove("dir/text.txt")
        sftp.rmdir("dir")
        sftp.close()
        client.close()
        """;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Paramiko_SftpClient(CancellationToken ct)
    {
        string dir = Fresh("paramiko");
        byte[] data = RandomBytes(1_500_000, 4);
        await File.WriteAllBytesAsync(Path.Combine(_local, "in.bin"), data, ct);
        string script = Path.Combine(_local, "sftp.py");
        await File.WriteAllTextAsync(script, ParamikoScript, ct);
        ProcessResult result = await ProcessRunner.RunAsync(PeerBinaries.Python3,
            [script, _server.Host, _server.Port.ToString(CultureInfo.InvariantCulture), _server.User, _server.Password, _server.KnownHostsPath,
             "/" + Path.GetFileName(dir), _local],
            timeout: TimeSpan.FromSeconds(90), environment: new Dictionary<string, string?> { ["HOME"] = _local }, cancellationToken: ct);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Describe);
        Assert.That(await File.ReadAllBytesAsync(Path.Combine(_local, "out.bin"), ct), Is.EqualTo(data));
        Assert.That(result.Stdout, Does.Contain("read:written by paramiko")
            .And.Contain("list:b.bin,c.lnk,dir")
            .And.Contain("size:1500000")
            .And.Contain("mode:640")
            .And.Contain("link:b.bin")
            .And.Contain("cwd:/" + Path.GetFileName(dir))
            .And.Contain("missing:2"), result.Describe);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task OwnClient_TreesErrorsAndTenThousandEntries(CancellationToken ct)
    {
        string dir = Fresh("own");
        string name = "/" + Path.GetFileName(dir);
        for (int i = 0; i < 10_000; i++) File.WriteAllBytes(Path.Combine(dir, $"e{i:D5}"), []);
        File.CreateSymbolicLink(Path.Combine(dir, "escape"), "/etc/passwd");
        using var ssh = new SshClient();
        ssh.SetMissingHostKeyPolicy(new AutoAddPolicy());
        await ssh.ConnectAsync(_server.Host, _server.Port, _server.User, _server.Password, allowAgent: false, lookForKeys: false, cancellationToken: ct);
        await using SftpClient sftp = await ssh.OpenSftpAsync(ct);
        List<string> names = await sftp.ListDirAsync(name, ct);
        Assert.That(names.Count(n => n.StartsWith('e') && n != "escape"), Is.EqualTo(10_000));
        Assert.ThrowsAsync<UnauthorizedAccessException>(() => sftp.StatAsync(name + "/escape", ct));
        Assert.ThrowsAsync<FileNotFoundException>(() => sftp.StatAsync(name + "/missing", ct));
        Assert.That(Assert.ThrowsAsync<SftpException>(() => sftp.RmdirAsync(name, ct))!.Message, Does.Contain("not empty").IgnoreCase);
        // "/../../etc/sshcs-escape" is "/etc/sshcs-escape" inside the root, where there is no etc.
        Assert.ThrowsAsync<FileNotFoundException>(() => sftp.OpenAsync("/../../etc/sshcs-escape", "w", cancellationToken: ct));
        Assert.That(File.Exists("/etc/sshcs-escape"), Is.False);

        // rename, symlink, stat, chmod through our server
        await sftp.PutFoAsync(new MemoryStream("x"u8.ToArray()), name + "/a", cancellationToken: ct);
        await sftp.RenameAsync(name + "/a", name + "/b", ct);
        await sftp.SymlinkAsync("b", name + "/l", ct);
        await sftp.ChmodAsync(name + "/b", 0x1C0, ct);
        SftpAttributes b = await sftp.StatAsync(name + "/l", ct);
        Assert.That((b.Size, b.Mode & 0xFFF, b.IsRegularFile), Is.EqualTo((1L, 0x1C0u, true)));
        Assert.That((await sftp.LStatAsync(name + "/l", ct)).IsSymbolicLink, Is.True);
        Assert.That(File.ReadAllText(Path.Combine(dir, "b")), Is.EqualTo("x"));

        byte[] data = RandomBytes(32 << 20, 5);
        string local = Path.Combine(_local, "big");
        await File.WriteAllBytesAsync(local, data, ct);
        await sftp.PutAsync(local, name + "/big", cancellationToken: ct);
        await sftp.GetAsync(name + "/big", local + ".back", cancellationToken: ct);
        Assert.That(SHA256.HashData(File.ReadAllBytes(local + ".back")), Is.EqualTo(SHA256.HashData(data)));
        Assert.That(Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "big")).AsSpan(0, 0)), Is.Empty);
        Assert.That(new FileInfo(Path.Combine(dir, "big")).Length, Is.EqualTo(data.Length));
    }

    private Task<ProcessResult> SshcsSftpAsync(CancellationToken ct, params string[] words)
    {
        var args = new List<string> { SshcsServerProcess.CliPath(), "sftp", words[0], "-p", _server.Port.ToString(CultureInfo.InvariantCulture),
            "-i", _server.ClientKeyPath, "--known-hosts", _server.KnownHostsPath, "--host-key-policy", "reject" };
        args.AddRange(words[1..]);
        return ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), args, timeout: TimeSpan.FromSeconds(90),
            environment: new Dictionary<string, string?> { ["HOME"] = _local }, cancellationToken: ct);
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task SshcsSftpCli_PutLsMvGetRmAndExitCodes(CancellationToken ct)
    {
        string dir = "/" + Path.GetFileName(Fresh("cli"));
        string target = $"{_server.User}@{_server.Host}";
        byte[] data = RandomBytes(4_000_000, 6);
        string up = Path.Combine(_local, "up.bin");
        await File.WriteAllBytesAsync(up, data, ct);

        ProcessResult put = await SshcsSftpAsync(ct, "put", $"{target}:{dir}/up.bin", up);
        Assert.That(put.ExitCode, Is.EqualTo(0), put.Describe);
        Assert.That(put.Stdout, Does.Match(@"up\.bin: 4000000 bytes in [0-9.]+ s \([0-9.]+ MB/s\)"), put.Describe); // not a terminal: one plain line
        ProcessResult mv = await SshcsSftpAsync(ct, "mv", $"{target}:{dir}/up.bin", $"{dir}/moved.bin");
        Assert.That(mv.ExitCode, Is.EqualTo(0), mv.Describe);
        ProcessResult ls = await SshcsSftpAsync(ct, "ls", $"{target}:{dir}");
        Assert.That(ls.Stdout, Does.Contain("4000000").And.Contain("moved.bin").And.Not.Contain("up.bin"), ls.Describe);
        string down = Path.Combine(_local, "down.bin");
        ProcessResult get = await SshcsSftpAsync(ct, "get", $"{target}:{dir}/moved.bin", down);
        Assert.That(get.ExitCode, Is.EqualTo(0), get.Describe);
        Assert.That(await File.ReadAllBytesAsync(down, ct), Is.EqualTo(data));
        // "-" is stdout (a pipe here): exactly the file's bytes there, the progress line on stderr.
        ProcessResult cat = await SshcsSftpAsync(ct, "get", $"{target}:{dir}/moved.bin", "-");
        Assert.That(cat.ExitCode, Is.EqualTo(0), cat.Describe);
        Assert.That(cat.StdoutBytes, Is.EqualTo(data));
        Assert.That(cat.Stderr, Does.Contain("4000000 bytes"), cat.Describe);

        ProcessResult missing = await SshcsSftpAsync(ct, "get", $"{target}:{dir}/missing", down);
        Assert.That(missing.ExitCode, Is.EqualTo(1), missing.Describe);
        Assert.That(missing.Stderr, Does.Contain("no such file"), missing.Describe);
        ProcessResult rm = await SshcsSftpAsync(ct, "rm", "-r", $"{target}:{dir}");
        Assert.That(rm.ExitCode, Is.EqualTo(0), rm.Describe);
        Assert.That(Directory.Exists(Path.Combine(_root, dir.TrimStart('/'))), Is.False);
        ProcessResult refused = await SshcsSftpAsync(ct, "ls", "-p", "1", $"{target}:/");
        Assert.That(refused.ExitCode, Is.EqualTo(255), refused.Describe);
    }
}
