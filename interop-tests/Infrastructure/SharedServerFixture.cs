using NUnit.Framework;

namespace Ssh.InteropTests.Infrastructure;

/// <summary>A fixture whose tests share one server target (a local sshd, or the external one), started once and
/// stopped at the end, with the server's log tail written out for each failed test.</summary>
public abstract class SharedServerFixture
{
    /// <summary>The server the tests talk to.</summary>
    protected ServerTarget Target { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartSharedServer() => Target = await ServerTarget.StartAsync();

    [OneTimeTearDown]
    public async Task StopSharedServer()
    {
        if (Target != null) await Target.DisposeAsync();
    }

    [TearDown]
    public void ShowServerLogOnFailure() => Target?.WriteLogTailIfFailed();
}
