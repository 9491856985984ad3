using System.Runtime.Versioning;
using SharpFuzz;

// afl-fuzz runs on Linux, and so does the server code under test (terminal modes, termios).
[assembly: SupportedOSPlatform("linux")]

namespace Ssh.Fuzz;

/// <summary>
/// <code>
/// Ssh.Fuzz list                   the targets, one per line: name and what it drives
/// Ssh.Fuzz TARGET                 under afl-fuzz: SharpFuzz's fork server, one input per run from stdin
/// Ssh.Fuzz TARGET FILE...         replays inputs (a crash afl-fuzz saved, say) and prints what each one does
/// Ssh.Fuzz make-corpus DIR        writes the seed corpora, DIR/TARGET/NAME
/// </code>
/// </summary>
internal static class Program
{
    /// <summary>How long a replayed input may run before it counts as a hang.</summary>
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromSeconds(30);

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("usage: Ssh.Fuzz list | TARGET [FILE...] | make-corpus DIR");
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] == "list")
        {
            foreach (FuzzTarget t in Registry.All) Console.WriteLine($"{t.Name}\t{t.Description}");
            return 0;
        }
        if (args[0] == "make-corpus")
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: Ssh.Fuzz make-corpus DIR");
                return 2;
            }
            SeedCorpus.Write(args[1]);
            return 0;
        }

        FuzzTarget? target = Registry.Find(args[0]);
        if (target is null)
        {
            Console.Error.WriteLine($"Ssh.Fuzz: no target '{args[0]}'; 'Ssh.Fuzz list' shows them.");
            return 2;
        }
        if (args.Length > 1) return Replay(target, args[1..]);

        target.Prepare();
        Fuzzer.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            target.Execute(memory.ToArray());
        });
        return 0;
    }

    /// <summary>Runs each file through the target as afl-fuzz would, and says which are findings (exit code 1).</summary>
    private static int Replay(FuzzTarget target, string[] files)
    {
        int findings = 0;
        foreach (string file in files)
        {
            byte[] input = File.ReadAllBytes(file);
            Task run = Task.Factory.StartNew(() => target.Execute(input), TaskCreationOptions.LongRunning);
            try
            {
                if (!run.Wait(ReplayTimeout))
                {
                    Console.WriteLine($"{file}: HANG (still running after {ReplayTimeout.TotalSeconds:0} s)");
                    return 1; // the thread cannot be stopped; the process exit ends it
                }
                Console.WriteLine($"{file}: ok");
            }
            catch (AggregateException e)
            {
                findings++;
                Console.WriteLine($"{file}: CRASH {e.InnerException}");
            }
        }
        return findings > 0 ? 1 : 0;
    }
}
