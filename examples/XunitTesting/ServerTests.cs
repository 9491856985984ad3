using Ssh.Client;
using Ssh.Server;
using Ssh.Testing;
using Xunit;

namespace XunitTesting;

/// <summary>One server for the class (xUnit's class fixture), started once and stopped after the last test.</summary>
public sealed class SshServerFixture : IAsyncLifetime
{
    public TestSshServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = TestSshServer.Start(new TestSshServerOptions { Users = { ["deploy"] = "s3cret" } });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class ServerTests(SshServerFixture fixture) : IClassFixture<SshServerFixture>
{
    [Fact]
    public async Task A_command_runs_and_reports_its_status()
    {
        using SshClient client = await fixture.Server.CreateClientAsync();
        var (_, stdout, _) = await client.ExecCommandAsync("echo hello; exit 3");
        Assert.Equal("hello\n", await stdout.ReadToEndAsync());
        Assert.Equal(3, await stdout.Channel.RecvExitStatusAsync());
    }

    [Fact]
    public async Task The_client_logs_in_as_the_tests_own_user()
    {
        using SshClient client = await fixture.Server.CreateClientAsync();
        Assert.Equal("deploy", client.GetTransport()!.Username);
        Assert.Equal("password", client.GetTransport()!.AuthenticationMethod);
    }
}
