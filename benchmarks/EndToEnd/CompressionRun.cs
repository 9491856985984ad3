using System.Diagnostics;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Ssh.Client;
using Ssh.Transport;

namespace Ssh.Benchmarks.EndToEnd;

/// <summary>
/// <c>compression [--size 100M]</c>: a text file (C headers from /usr/include, repeated) downloaded with <c>exec cat</c>
/// from one local sshd, with and without compression, by our client and by OpenSSH's <c>ssh</c> / <c>ssh -C</c>, in one
/// run: bytes received on the wire and MB/s of file data. Ours counts what its socket read; ssh reports its own
/// "Transferred: received N bytes, in S seconds" at LogLevel VERBOSE.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static partial class CompressionRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        long size = args.SkipWhile(a => a != "--size").Skip(1).FirstOrDefault() is { } s
            ? long.Parse(s.TrimEnd('M', 'm'), System.Globalization.CultureInfo.InvariantCulture) * 1_000_000 : 100_000_000;
        using LocalSshd sshd = LocalSshd.Start();
        string file = Path.Combine(sshd.Directory, "text");
        WriteText(file, size);
        File.SetUnixFileMode(file, (UnixFileMode)0x1A4);
        Console.WriteLine($"{size / 1e6:0} MB of C headers via exec cat from Debian's sshd (cipher aes128-gcm@openssh.com)");
        Console.WriteLine($"{"client",-28} {"wire MB",8} {"ratio",6} {"MB/s",7} {"client CPU s",13}");
        foreach (bool compress in new[] { false, true })
        {
            for (int run = 0; run < 2; run++)
            {
                var (wire, seconds, cpu) = await OursAsync(sshd, file, size, compress);
                if (run == 1) Print(compress ? "sshcs, compress: true" : "sshcs", wire, size, seconds, cpu);
                var (sshWire, sshSeconds, sshCpu) = OpenSsh(sshd, file, compress);
                if (run == 1) Print(compress ? "ssh -C" : "ssh", sshWire, size, sshSeconds, sshCpu);
            }
        }
        return 0;
    }

    private static void Print(string who, long wire, long size, double seconds, double cpu) =>
        Console.WriteLine($"{who,-28} {wire / 1e6,8:0.0} {(double)size / wire,6:0.00} {size / seconds / 1e6,7:0} {cpu,13:0.00}");

    private static void WriteText(string path, long size)
    {
        string[] headers = Directory.EnumerateFiles("/usr/include", "*.h", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        using var output = File.Create(path);
        long written = 0;
        while (written < size)
        {
            foreach (string header in headers)
            {
                byte[] data = File.ReadAllBytes(header);
                int n = (int)Math.Min(data.Length, size - written);
                output.Write(data, 0, n);
                written += n;
                if (written == size) return;
            }
        }
    }

    private static async Task<(long Wire, double Seconds, double Cpu)> OursAsync(LocalSshd sshd, string file, long size, bool compress)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", sshd.Port);
        var counting = new CountingStream(new NetworkStream(socket, ownsSocket: true));
        await using var client = new SshClient { Settings = new TransportSettings { Ciphers = ["aes128-gcm@openssh.com"] } };
        client.LoadHostKeys(sshd.KnownHosts);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await client.ConnectAsync("127.0.0.1", sshd.Port, LocalSshd.User, keyFilename: [sshd.ClientKey], lookForKeys: false, allowAgent: false,
            sock: counting, compress: compress);
        var channel = await client.GetTransport()!.OpenSessionAsync();
        await channel.ExecCommandAsync($"cat {file}");
        byte[] buffer = new byte[256 * 1024];
        long moved = 0;
        int n;
        while ((n = await channel.ReadAsync(buffer)) > 0) moved += n;
        int status = await channel.RecvExitStatusAsync();
        stopwatch.Stop();
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        if (status != 0 || moved != size) throw new InvalidOperationException($"Transfer failed: status {status}, {moved} of {size} bytes.");
        return (counting.BytesRead, stopwatch.Elapsed.TotalSeconds, cpu);
    }

    private static (long Wire, double Seconds, double Cpu) OpenSsh(LocalSshd sshd, string file, bool compress)
    {
        var info = new ProcessStartInfo("/usr/bin/ssh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string a in (string[])[.. compress ? ["-C"] : Array.Empty<string>(), "-F", "/dev/null", "-c", "aes128-gcm@openssh.com",
            "-o", "LogLevel=VERBOSE", "-o", "BatchMode=yes", "-o", $"UserKnownHostsFile={sshd.KnownHosts}", "-o", "StrictHostKeyChecking=yes",
            "-i", sshd.ClientKey, "-p", sshd.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{LocalSshd.User}@127.0.0.1", $"cat {file}"])
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        Task drain = p.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        string stderr = p.StandardError.ReadToEnd();
        drain.Wait();
        p.WaitForExit();
        double cpu = double.NaN; // the platform cannot read an exited child's CPU time
        Match m = Transferred().Match(stderr);
        if (p.ExitCode != 0 || !m.Success) throw new InvalidOperationException($"ssh failed ({p.ExitCode}): {stderr}");
        return (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), cpu);
    }

    [GeneratedRegex(@"Transferred: sent \d+, received (\d+) bytes, in ([\d.]+) seconds")]
    private static partial Regex Transferred();

    /// <summary>Counts the bytes read from the socket: the wire, after compression and encryption.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            BytesRead += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
