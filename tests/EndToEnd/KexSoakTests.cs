using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;
using Ssh.Transport.Session;

namespace Ssh.Tests.EndToEnd;

/// <summary>The short form of the handshake soak: full transport handshakes (KEXINIT, the method, NEWKEYS, host key
/// check) between our client and our server session, many per key exchange method, with zero failures allowed. A K
/// encoded wrongly one time in 256 (an mpint's leading zero, say) shows up here. The long form is
/// <c>benchmarks -- soak --count 1000</c>; <c>SSHCS_SOAK_COUNT</c> changes the count here.</summary>
public sealed class KexSoakTests
{
    private static readonly int Count = int.TryParse(Environment.GetEnvironmentVariable("SSHCS_SOAK_COUNT"), out int n) ? n : 50;

    private static readonly Ed25519PrivateKey HostKey = Ed25519PrivateKey.Generate();

    private static IEnumerable<string> KexNames() => KexRegistry.All.Select(k => k.Name);

    [TestCaseSource(nameof(KexNames)), CancelAfter(300_000)]
    public async Task Handshakes_AllSucceed(string kex, CancellationToken ct)
    {
        var settings = new TransportSettings { KexAlgorithms = [kex], ModuliFile = null };
        for (int i = 0; i < Count; i++)
        {
            var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
            await using var server = new SshSession(serverStream, SessionRole.Server, settings) { HostKeys = [HostKey] };
            await using var client = new SshSession(clientStream, SessionRole.Client, settings);
            Task serverStart = server.StartAsync(ct);
            await client.StartAsync(ct);
            await serverStart;
            Assert.That(client.Algorithms!.Kex, Is.EqualTo(kex));
            Assert.That(client.SessionId, Is.EqualTo(server.SessionId), $"handshake {i}");
            Assert.That(client.RemoteHostKey, Is.EqualTo(HostKey.PublicKey));
        }
    }
}
