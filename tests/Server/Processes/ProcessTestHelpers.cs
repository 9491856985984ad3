using System.Runtime.Versioning;
using System.Text;
using Ssh.Server.Processes;

namespace Ssh.Tests.Server.Processes;

[SupportedOSPlatform("linux")]
internal static class ProcessTestHelpers
{
    public static readonly IReadOnlyDictionary<string, string> Env = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/local/bin:/usr/bin:/bin",
        ["LANG"] = "C",
    };

    public static ChildProcess Sh(string script, PtyOptions? pty = null, IReadOnlyDictionary<string, string>? env = null, string? cwd = null) =>
        ChildProcess.Start(new ChildProcessOptions
        {
            FileName = "/bin/sh",
            ArgumentZero = "sh",
            Arguments = ["-c", script],
            Environment = env ?? Env,
            WorkingDirectory = cwd,
            Pty = pty,
        });

    public static PtyOptions Pty(int columns = 80, int rows = 24, byte[]? modes = null) =>
        new("xterm", columns, rows, 640, 480, modes ?? [0]);

    public static async Task<string> ReadToEndAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads until <paramref name="marker"/> has appeared; returns everything read so far.</summary>
    public static async Task<string> ReadUntilAsync(Stream stream, string marker, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, cancellationToken);
            if (n == 0)
            {
                throw new EndOfStreamException($"EOF before '{marker}'; read: {text}");
            }
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    /// <summary>Fields of /proc/&lt;pid&gt;/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session, [4] tty_nr.</summary>
    public static string[]? StatFields(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a zombie child of this process.</summary>
    public static bool IsOurZombie(int pid)
    {
        string[]? fields = StatFields(pid);
        return fields is not null && fields[0] == "Z" && fields[1] == Environment.ProcessId.ToString();
    }

    /// <summary>Pids whose command line is exactly <paramref name="argv"/>.</summary>
    public static List<int> FindByCommandLine(params string[] argv)
    {
        string wanted = string.Join('\0', argv) + "\0";
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")) == wanted)
                    {
                        found.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
        return found;
    }
}
