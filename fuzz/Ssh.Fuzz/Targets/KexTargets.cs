using System.Text;
using Ssh.Transport;
using Ssh.Transport.Algorithms.HostKeys;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.KeyExchange;
using Ssh.Transport.Keys;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// The key exchange methods' <see cref="IKeyExchangeMethod.Handle"/>, both sides, with fixed ephemeral keys so an
/// input means the same thing every run. The input is a sequence of <see cref="FuzzInput.Chunk"/>s, each a whole
/// KEX message (number first) handed to <c>Handle</c> in turn. On the client the first byte picks the negotiated
/// host key algorithm, and a finished exchange goes on to <see cref="ServerHostKeyCheck.Verify"/> (K_S parsed, the
/// signature over H checked): the junk-signature path of the real client.
/// </summary>
/// <remarks>Methods added on other branches (the hybrid post-quantum ones) join <see cref="Methods"/>.</remarks>
internal static class KexTargets
{
    /// <summary>The methods fuzzed: each one's wire name and a factory with a fixed ephemeral key.</summary>
    private static readonly (string Name, Func<IKeyExchangeMethod> Create)[] Methods =
    [
        (Curve25519KeyExchange.Name, () => new Curve25519KeyExchange(FixedScalar)),
    ];

    public static IEnumerable<FuzzTarget> All()
    {
        foreach ((string name, Func<IKeyExchangeMethod> create) in Methods)
        {
            string shortName = name.Split('@')[0];
            yield return new FuzzTarget($"kex-{shortName}-client", $"{name}: the client's Handle of KEX replies, then the host key check",
                input => Client(create, input), typeof(SshProtocolException));
            yield return new FuzzTarget($"kex-{shortName}-server", $"{name}: the server's Handle of KEX init messages",
                input => Server(create, input), typeof(SshProtocolException));
        }
    }

    internal static readonly byte[] FixedScalar = Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i)).ToArray();
    internal const string ClientVersion = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3";
    internal const string ServerVersion = "SSH-2.0-SshCs_0.1";
    internal static readonly byte[] ClientKexInit = Encoding.ASCII.GetBytes("\x14client-kexinit");
    internal static readonly byte[] ServerKexInit = Encoding.ASCII.GetBytes("\x14server-kexinit");

    internal static KexContext ClientContext() => KexContext.ForClient(ClientVersion, ServerVersion, ClientKexInit, ServerKexInit);

    internal static KexContext ServerContext() => KexContext.ForServer(ClientVersion, ServerVersion, ClientKexInit, ServerKexInit,
        TestKeys.Ed25519.PublicKey.GetBlob(), h => TestKeys.Ed25519.Sign(h));

    private static void Client(Func<IKeyExchangeMethod> create, byte[] input)
    {
        var fuzz = new FuzzInput(input);
        IReadOnlyList<HostKeyRegistry.HostKeyAlgorithmInfo> algorithms = HostKeyRegistry.All;
        string hostKeyAlgorithm = algorithms[fuzz.Byte() % algorithms.Count].Name;
        using IKeyExchangeMethod method = create();
        method.Start(ClientContext());
        foreach (byte[] message in fuzz.Chunks())
        {
            KexStep step = method.Handle(message);
            if (step.Result is { } result) ServerHostKeyCheck.Verify(hostKeyAlgorithm, result);
        }
    }

    private static void Server(Func<IKeyExchangeMethod> create, byte[] input)
    {
        var fuzz = new FuzzInput(input);
        using IKeyExchangeMethod method = create();
        method.Start(ServerContext());
        foreach (byte[] message in fuzz.Chunks())
        {
            KexStep step = method.Handle(message);
            if (step.Result is not null && step.Message is null)
                throw new InvalidOperationException("The server finished the exchange without a reply to send.");
        }
    }
}
