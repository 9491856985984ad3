using System.Diagnostics;
using System.Net.Sockets;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>Debian's sshd on a free loopback port, for side-by-side runs. Needs root (as CI has) and the
/// interop test user that test.sh creates.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class LocalSshd : IDisposable
{
    private readonly Process _process;

    private LocalSshd(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }

    /// <summary>The listening sshd (its per-connection processes are its children).</summary>
    public int ProcessId => _process.Id;
    public string ClientKey => Path.Combine(Directory, "client_ed25519");
    public string KnownHosts => Path.Combine(Directory, "known_hosts");
    public const string User = "sshcs-test";

    /// <param name="extraConfig">sshd_config lines that go first (the first value of a keyword wins).</param>
    /// <param name="sshd">The sshd binary (Debian's by default).</param>
    public static LocalSshd Start(IEnumerable<string>? extraConfig = null, string sshd = "/usr/sbin/sshd")
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("sshcs-bench.").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0x1C9); // 0711: sshd reads authorized_keys as the user
        Run("ssh-keygen", $"-q -N \"\" -t ed25519 -f {dir}/host_ed25519");
        Run("ssh-keygen", $"-q -N \"\" -t ed25519 -f {dir}/client_ed25519");
        File.Copy($"{dir}/client_ed25519.pub", $"{dir}/authorized_keys");
        File.SetUnixFileMode($"{dir}/authorized_keys", (UnixFileMode)0x1A4); // 0644
        System.IO.Directory.CreateDirectory("/run/sshd");

        var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        int port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        File.WriteAllText($"{dir}/known_hosts", $"[127.0.0.1]:{port} {File.ReadAllText($"{dir}/host_ed25519.pub").Trim()}\n");
        File.WriteAllText($"{dir}/sshd_config", string.Join('\n', extraConfig ?? []) + "\n" + $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {dir}/host_ed25519
            AuthorizedKeysFile {dir}/authorized_keys
            PidFile {dir}/sshd.pid
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            LogLevel ERROR
            Subsystem sftp /usr/lib/openssh/sftp-server
            Ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr
            """);
        var process = Process.Start(new ProcessStartInfo(sshd, ["-D", "-f", $"{dir}/sshd_config", "-E", $"{dir}/sshd.log"]))!;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var c = new TcpClient("127.0.0.1", port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
        return new LocalSshd(process, dir, port);
    }

    private static void Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true })!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}).");
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
