using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Ssh.InteropTests.Infrastructure;
using Ssh.Tests.Channels.Forwarding;

namespace Ssh.InteropTests.Forwarding;

internal static class Sockets
{
    public static byte[] RandomBytes(int count) => SocketRoundTrip.RandomBytes(count);

    public static async Task<Socket> ConnectAsync(EndPoint endPoint, CancellationToken ct)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static Task<byte[]> EchoAsync(Socket socket, byte[] data, CancellationToken ct) => SocketRoundTrip.EchoAsync(socket, data, ct);

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/> once something listens there (bounded by the token).</summary>
    public static async Task<Socket> ConnectWhenListeningAsync(int port, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                return await ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
            }
            catch (SocketException)
            {
                await Task.Delay(50, ct);
            }
        }
    }

    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>A temp directory every user may enter and write (sshd works as the test user).</summary>
    public static string SharedDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "sshcs-fwd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        return path;
    }
}

/// <summary>
/// <c>sshcs server</c> (our server's command line, built in Release) as a child process on a free loopback port,
/// with a fresh ed25519 host key, a client key it accepts, and a known_hosts file for OpenSSH's client. Disposing
/// kills it (by PID) and removes the directory.
/// </summary>
internal sealed class SshcsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SshcsServer(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }
    public int Port { get; private set; }
    public string User => "u";
    public string ClientKeyPath => Path.Combine(Directory, "client");
    public string KnownHostsPath => Path.Combine(Directory, "known_hosts");

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static string DllPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Ssh.Cli", "bin", "Release", "net10.0", "sshcs.dll");
            if (File.Exists(Path.Combine(dir.FullName, "src", "Ssh.Cli", "Ssh.Cli.csproj")))
                return File.Exists(candidate) ? candidate
                    : throw new InvalidOperationException($"{candidate} is missing: build src/Ssh.Cli in Release first (dotnet build -c Release).");
        }
        throw new InvalidOperationException("Cannot find the repository (src/Ssh.Cli) above " + AppContext.BaseDirectory);
    }

    public static async Task<SshcsServer> StartAsync(CancellationToken ct)
    {
        string dll = DllPath();
        string directory = Sockets.SharedDirectory();
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(directory, "host")], TimeSpan.FromSeconds(30), ct);
        await ProcessRunner.RunCheckedAsync(PeerBinaries.SshKeygen, ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(directory, "client")], TimeSpan.FromSeconds(30), ct);

        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string arg in new[] { dll, "server", "--listen", "127.0.0.1:0", "--user", "u:p",
                     "--authorized-keys", Path.Combine(directory, "client.pub"), "--host-key", Path.Combine(directory, "host") })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start sshcs.");
        var server = new SshcsServer(process, directory);
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            server.Append(e.Data);
            Match m = Regex.Match(e.Data, @"^Listening on .*:(\d+)$");
            if (m.Success) listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) server.Append(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = process.WaitForExitAsync(CancellationToken.None).ContinueWith(_ => listening.TrySetException(
            new InvalidOperationException("sshcs server exited: " + server.Output)), TaskScheduler.Default);
        try
        {
            server.Port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            string hostKey = (await File.ReadAllTextAsync(Path.Combine(directory, "host.pub"), ct)).Trim();
            await File.WriteAllTextAsync(server.KnownHostsPath, $"[127.0.0.1]:{server.Port} {hostKey}\n", ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private void Append(string line)
    {
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>OpenSSH client options for this server: key auth, strict host key checking against our known_hosts,
    /// never a prompt.</summary>
    public IReadOnlyList<string> SshArguments(params string[] extra) =>
    [
        "-F", "/dev/null",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", $"UserKnownHostsFile={KnownHostsPath}",
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none",
        "-o", "ConnectTimeout=10",
        "-o", "ExitOnForwardFailure=yes",
        "-i", ClientKeyPath,
        "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        .. extra,
        $"{User}@127.0.0.1",
    ];

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A long-running child (an <c>ssh -N -L ...</c>), killed by PID at dispose; its output is kept for
/// failure messages.</summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BackgroundProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static BackgroundProcess Start(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string arg in arguments) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var background = new BackgroundProcess(process);
        process.OutputDataReceived += (_, e) => background.Append(e.Data);
        process.ErrorDataReceived += (_, e) => background.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
        }
        _process.Dispose();
    }
}
