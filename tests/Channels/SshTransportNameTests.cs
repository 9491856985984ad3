using NUnit.Framework;
using Ssh.Channels;
using Ssh.Tests.EndToEnd;

// A user's namespace that starts with "Ssh." must be able to name paramiko's Transport without an alias: with the
// class called Transport, "Transport" here resolved to the Ssh.Transport namespace (CS0118).
namespace Ssh.Deploy;

[TestFixture]
public sealed class SshTransportNameTests
{
    [Test]
    public async Task A_namespace_under_Ssh_names_SshTransport_without_an_alias()
    {
        var (stream, _) = DuplexPipeStream.CreatePair();
        await using SshTransport transport = new SshTransport(stream);
        Assert.That(transport.IsActive, Is.False);
    }
}
