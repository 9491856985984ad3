using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;

namespace Ssh.InteropTests.Packaging;

/// <summary>The packages work as a user consumes them: <c>dotnet pack</c> into a local folder, a fresh project that
/// references Sshcs.Client, Sshcs.Server and Sshcs.Testing from that folder only, built with warnings as errors (so no CA1416 or other
/// warning reaches a consumer), and a connect + exec against a <c>TestSshServer</c>.</summary>
[TestFixture]
public sealed class PackageConsumerTests
{
    private const int TimeoutMs = 600_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task A_fresh_project_builds_against_the_packages_without_warnings_and_connects(CancellationToken cancellationToken)
    {
        string work = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "sshcs-packages-");
        try
        {
            string packages = Path.Combine(work, "packages");
            // A version of its own, so the NuGet cache never serves a package from an earlier run.
            string version = $"0.0.0-consume.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            string dotnet = SshcsServerProcess.DotnetPath();
            var pack = await ProcessRunner.RunAsync(dotnet,
                ["pack", Path.Combine(Repository.Root, "Ssh.sln"), "-c", "Release", "--no-build", "-o", packages, $"-p:PackageVersion={version}"],
                timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken);
            Assert.That(pack.ExitCode, Is.EqualTo(0), pack.Describe());
            foreach (string id in new[] { "Sshcs.Transport", "Sshcs.Channels", "Sshcs.Sftp", "Sshcs.Client", "Sshcs.Server", "Sshcs.Testing", "sshcs" })
                Assert.That(File.Exists(Path.Combine(packages, $"{id}.{version}.nupkg")), Is.True, $"{id} was not packed\n{pack.Describe()}");

            string consumer = Path.Combine(work, "consumer");
            Directory.CreateDirectory(consumer);
            await File.WriteAllTextAsync(Path.Combine(consumer, "consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <AnalysisLevel>latest-recommended</AnalysisLevel>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Sshcs.Client" Version="{version}" />
                    <PackageReference Include="Sshcs.Server" Version="{version}" />
                    <PackageReference Include="Sshcs.Testing" Version="{version}" />
                  </ItemGroup>
                </Project>
                """, cancellationToken);
            // The repository's own build settings must not leak into the consumer: stop the search for them here.
            await File.WriteAllTextAsync(Path.Combine(consumer, "Directory.Build.props"), "<Project />", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(consumer, "Directory.Packages.props"), "<Project />", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="sshcs-local" value="{packages}" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="sshcs-local"><package pattern="Sshcs.*" /></packageSource>
                    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
                  </packageSourceMapping>
                </configuration>
                """, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
                using Ssh.Client;
                using Ssh.Server;
                using Ssh.Testing;

                await using TestSshServer server = TestSshServer.Start(new TestSshServerOptions { Users = { ["consumer"] = "pw" } });
                await using (var byKey = new SshClient().TrustHost(server))
                    await byKey.ConnectAsync(server.Host, server.Port, server.User, pkey: server.ClientKey, lookForKeys: false, allowAgent: false);
                await using SshClient client = await server.CreateClientAsync();
                var (_, stdout, _) = await client.ExecCommandAsync("echo from-the-packages");
                Console.Write(await stdout.ReadToEndAsync());
                return await stdout.Channel.RecvExitStatusAsync();
                """, cancellationToken);

            var run = await ProcessRunner.RunAsync(dotnet, ["run", "--project", consumer, "-c", "Release"],
                timeout: TimeSpan.FromMinutes(5), workingDirectory: consumer, cancellationToken: cancellationToken);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Describe());
            Assert.That(run.Stdout, Does.EndWith("from-the-packages\n"), run.Describe());
            Assert.That(run.Stdout + run.Stderr, Does.Not.Contain("warning"), run.Describe());
        }
        finally
        {
            OpenSshServer.TryDeleteDirectory(work);
        }
    }
}
