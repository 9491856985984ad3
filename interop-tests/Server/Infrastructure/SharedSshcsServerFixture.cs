using NUnit.Framework;

namespace Ssh.InteropTests.Server.Infrastructure;

/// <summary>A fixture whose tests share one <c>sshcs server</c> child process, started once and stopped at the end,
/// with its log tail written out for each failed test.</summary>
public abstract class SharedSshcsServerFixture
{
    /// <summary>The server the tests talk to.</summary>
    protected SshcsServerProcess Server { get; private set; } = null!;

    /// <summary>Extra <c>sshcs server</c> arguments for this fixture's server (none by default).</summary>
    protected virtual IEnumerable<string> ServerArguments => [];

    [OneTimeSetUp]
    public async Task StartSharedServer() => Server = await SshcsServerProcess.StartAsync(ServerArguments);

    [OneTimeTearDown]
    public async Task StopSharedServer()
    {
        if (Server != null) await Server.DisposeAsync();
    }

    [TearDown]
    public void ShowServerLogOnFailure() => Server?.WriteLogTailIfFailed();
}
