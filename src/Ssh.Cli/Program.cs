using System.Reflection;

namespace Ssh.Cli;

/// <summary>The <c>sshcs</c> tool: subcommands over the library, each with its own help (<c>sshcs help CMD</c> or
/// <c>sshcs CMD --help</c>). A usage error is one line on stderr and exit status 2 (255 for <c>exec</c> and
/// <c>sftp</c>'s connection failures, as ssh and sftp do).</summary>
internal static class Program
{
    private sealed record Command(string Name, string Summary, string Help, Func<string[], Task<int>> Run);

    private static readonly Command[] Commands =
    [
        new("server", "a throw-away SSH server for tests and CI", ServerCommand.Help,
            args => OperatingSystem.IsLinux() ? ServerCommand.RunAsync(args) : Task.FromResult(Fail("sshcs server needs Linux (it runs commands with posix_spawn and ptys)."))),
        new("exec", "run one command on a host, like ssh", ExecCommand.Help, ExecCommand.RunAsync),
        new("sftp", "one SFTP operation: get, put, ls, rm, mkdir, rmdir, mv", SftpCommand.Help, SftpCommand.RunAsync),
        new("keygen", "make, convert and fingerprint keys; sign certificates, like ssh-keygen", KeygenCommand.Help, KeygenCommand.RunAsync),
        new("keyscan", "print hosts' public keys as known_hosts lines, like ssh-keyscan", KeyscanCommand.Help, KeyscanCommand.RunAsync),
    ];

    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case []:
                Console.Error.WriteLine(Overview());
                return 2;
            case ["--version" or "-V"]:
                Console.Out.WriteLine(VersionLine());
                return 0;
            case ["-h" or "--help" or "help"]:
                Console.Out.WriteLine(Overview());
                return 0;
            case ["help", string name, ..]:
                return Find(name) is { } topic ? Print(topic.Help) : Fail($"sshcs: unknown command '{name}'; 'sshcs --help' lists them.");
        }
        if (Find(args[0]) is not { } command) return Fail($"sshcs: unknown command '{args[0]}'; 'sshcs --help' lists them.");
        string[] rest = args[1..];
        if (rest is ["-h" or "--help", ..]) return Print(command.Help);
        return await command.Run(rest).ConfigureAwait(false);
    }

    private static Command? Find(string name) => Commands.FirstOrDefault(c => c.Name == name);

    private static int Print(string text)
    {
        Console.Out.WriteLine(text);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    /// <summary>"sshcs 0.2.0 (SSH-2.0-SshCs_0.2.0, .NET 10.0.x)".</summary>
    internal static string VersionLine()
    {
        string version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        int plus = version.IndexOf('+');
        if (plus > 0) version = version[..plus]; // the source revision the SDK appends
        return $"sshcs {version} (SSH-2.0-SshCs_{typeof(Program).Assembly.GetName().Version?.ToString(3)}, .NET {Environment.Version})";
    }

    private static string Overview() =>
        "usage: sshcs <command> [options]   (sshcs help <command>, sshcs --version)\n\ncommands:\n" +
        string.Join('\n', Commands.Select(c => $"  {c.Name,-8} {c.Summary}"));
}
