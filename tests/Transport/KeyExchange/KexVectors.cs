using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>Fixed inputs for key exchange tests without a socket: the RFC 7748 §6.1 X25519 vectors, an Ed25519 host
/// key (its signatures are deterministic, RFC 8032 §5.1.6), and fixed version lines and KEXINIT payloads.</summary>
internal static class KexVectors
{
    // RFC 7748 §6.1.
    public static readonly byte[] AlicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    public static readonly byte[] AlicePublic = Convert.FromHexString("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    public static readonly byte[] BobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    public static readonly byte[] BobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    public static readonly byte[] SharedSecret = Convert.FromHexString("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    // RFC 8032 §7.1, TEST 1: the secret key as the host key's seed.
    public static readonly Ed25519PrivateKey HostKey = new(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

    public const string ClientVersion = "SSH-2.0-sshcs_test";
    public const string ServerVersion = "SSH-2.0-OpenSSH_9.9";

    public static readonly byte[] ClientKexInit = KexInit(0x11, Curve25519KeyExchange.Name, "ext-info-c");
    public static readonly byte[] ServerKexInit = KexInit(0x22, Curve25519KeyExchange.Name, "ext-info-s");

    public static KexContext ClientContext() => KexContext.ForClient(ClientVersion, ServerVersion, ClientKexInit, ServerKexInit);

    public static KexContext ServerContext() => KexContext.ForServer(ClientVersion, ServerVersion, ClientKexInit, ServerKexInit,
        HostKey.PublicKey.GetBlob(), h => HostKey.Sign(h, "ssh-ed25519"));

    /// <summary>byte 30 (KEX_ECDH_INIT) ‖ string Q_C (RFC 5656 §4).</summary>
    public static byte[] EcdhInit(byte[] clientPublic) => new SshBuffer().WriteByte(30).WriteString(clientPublic).ToArray();

    /// <summary>byte 31 (KEX_ECDH_REPLY) ‖ string K_S ‖ string Q_S ‖ string signature, with a signature that
    /// does not verify: the method leaves that check to the session.</summary>
    public static byte[] EcdhReply(byte[] serverPublic) =>
        new SshBuffer().WriteByte(31).WriteString(HostKey.PublicKey.GetBlob()).WriteString(serverPublic).WriteString([1, 2, 3]).ToArray();

    private static byte[] KexInit(byte cookie, params string[] kex) => new KexInitMessage
    {
        Cookie = Enumerable.Repeat(cookie, 16).ToArray(),
        KexAlgorithms = kex,
        ServerHostKeyAlgorithms = ["ssh-ed25519"],
        CiphersClientToServer = ["aes128-ctr"],
        CiphersServerToClient = ["aes128-ctr"],
        MacsClientToServer = ["hmac-sha2-256"],
        MacsServerToClient = ["hmac-sha2-256"],
    }.ToPayload();
}
