using System.Diagnostics;
using System.Globalization;
using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Server;

/// <summary>Many OpenSSH clients at once against one <c>sshcs server</c> process.</summary>
[TestFixture]
public sealed class ParallelConnectionsTests
{
    private const int Connections = 200;

    [Test, CancelAfter(240_000)]
    public async Task Two_hundred_parallel_ssh_connections_all_succeed([Values] Auth auth, CancellationToken cancellationToken)
    {
        // All 200 may be mid-handshake at once: allow that many unauthenticated connections (the default is 100).
        // All 200 may be mid-handshake at once: allow that many unauthenticated connections (the default, 100, drops
        // the rest on arrival, as OpenSSH's MaxStartups does).
        await using var server = await SshcsServerProcess.StartAsync(["--max-startups", Connections.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        try
        {
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(Enumerable.Range(0, Connections).Select(n =>
                PeerClients.SshAsync(server, auth, $"echo {n}", timeout: TimeSpan.FromSeconds(180), cancellationToken: cancellationToken)));
            TestContext.Out.WriteLine($"{Connections} connections ({auth}) in {clock.Elapsed.TotalSeconds:0.0} s");

            var failed = results.Select((r, n) => (Result: r, N: n)).Where(x => x.Result.ExitCode != 0 || x.Result.Stdout != $"{x.N}\n").ToList();
            Assert.That(failed.Count, Is.EqualTo(0),
                $"{failed.Count} of {Connections} failed; the first:\n{(failed.Count > 0 ? failed[0].Result.Describe() : "")}\n{server.LogTail()}");
            Assert.That(server.HasExited, Is.False);
            Assert.That(System.Text.RegularExpressions.Regex.Count(server.Log, " authenticated with "), Is.EqualTo(Connections), server.LogTail());
        }
        catch
        {
            TestContext.Out.WriteLine(server.LogTail());
            throw;
        }
    }
}
