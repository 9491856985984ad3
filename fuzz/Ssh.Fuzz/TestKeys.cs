using Ssh.Transport.Keys;

namespace Ssh.Fuzz;

/// <summary>The unit tests' ssh-keygen keys (tests/TestData, test-only), embedded in the harness.</summary>
internal static class TestKeys
{
    public static SshPrivateKey Ed25519 { get; } = Load("ed25519");

    /// <summary>One key of every type we verify with, in a fixed order (signature-verify's first byte picks one).</summary>
    public static IReadOnlyList<SshPrivateKey> All { get; } =
        [Ed25519, Load("ecdsa256"), Load("ecdsa384"), Load("ecdsa521"), Load("rsa2048")];

    private static SshPrivateKey Load(string name)
    {
        using Stream stream = typeof(TestKeys).Assembly.GetManifestResourceStream("keys/" + name)
            ?? throw new InvalidOperationException($"The embedded test key '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return SshPrivateKey.FromString(reader.ReadToEnd());
    }
}
