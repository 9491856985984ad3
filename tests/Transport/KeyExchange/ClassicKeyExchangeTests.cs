using System.Numerics;
using System.Security.Cryptography;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Wire;
using static Ssh.Tests.Transport.KeyExchange.KexVectors;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>Finite-field Diffie-Hellman (RFC 4253 §8, RFC 8268), group exchange (RFC 4419) and ECDH on the NIST curves
/// (RFC 5656): the groups recomputed from their definition, every method agreeing with itself, and every bad peer
/// value refused.</summary>
public sealed class ClassicKeyExchangeTests
{
    /// <summary>A real line of Debian's /etc/ssh/moduli: a 2048-bit safe prime, generator 2.</summary>
    private const string ModuliLine = "20220714110357 2 6 100 2047 2 E98F2A209BA9F4C8C1FFB02490E599A99FBE28F6A053E240A4BD5FEDE80B23FEA8A1476E9EF6605A4B4B41CC74CB945C7E168A91DB112424480A85CBF5853234B9B1F60F030D38F678BA80AE1461F716C463D7396151EB5F037CC88690FEEF8D16A1B67F56C11874DB5AA3D541BEFF390077C79C86434EDBC2B46821D2AE5D2FA4FFF1B086B07669B09498EA11B0FE26C773F79ACA044E085E0BA43BBE1EBE954AA1EC7A465A3232699E54958B1760AB7A04D9627EC1810970706C96B58BF84999EBED8846D8B384CB945BF782141B1BE2B7C0E04D531A2334DB41BBFD1BEA428C5FD22F50BABDBDFCC5B848F64CBA8D039636311F8D844DFFFBD77A429A9923";

    private static IEnumerable<string> ClassicNames() =>
        KexRegistry.All.Select(k => k.Name).Where(n => n.StartsWith("diffie-hellman", StringComparison.Ordinal) || n.StartsWith("ecdh", StringComparison.Ordinal));

    // RFC 3526 §2–§7 and RFC 2409 §6.2: p = 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k).
    [TestCase(1024, 129093), TestCase(2048, 124476), TestCase(3072, 1690314), TestCase(4096, 240904), TestCase(6144, 929484), TestCase(8192, 4743158)]
    public void TheBuiltInGroups_AreTheRfcPrimes(int bits, int k)
    {
        BigInteger expected = BigInteger.Pow(2, bits) - BigInteger.Pow(2, bits - 64) - 1 + BigInteger.Pow(2, 64) * (PiTimesPowerOfTwo(bits - 130) + k);
        DhGroup group = bits switch
        {
            1024 => DhGroups.Oakley2, 2048 => DhGroups.Modp2048, 3072 => DhGroups.Modp3072,
            4096 => DhGroups.Modp4096, 6144 => DhGroups.Modp6144, _ => DhGroups.Modp8192,
        };
        Assert.That(group.P, Is.EqualTo(expected));
        Assert.That(group.G, Is.EqualTo(new BigInteger(2)));
        Assert.That(group.Bits, Is.EqualTo(bits));
    }

    /// <summary>floor(pi * 2^bits), from Machin's formula pi = 16 atan(1/5) - 4 atan(1/239) in fixed point.</summary>
    private static BigInteger PiTimesPowerOfTwo(int bits)
    {
        BigInteger one = BigInteger.One << (bits + 64);
        BigInteger Atan(int x)
        {
            BigInteger term = one / x, sum = term, x2 = x * x;
            for (int n = 1; !term.IsZero; n++)
            {
                term /= x2;
                sum += (n % 2 == 1 ? -1 : 1) * (term / (2 * n + 1));
            }
            return sum;
        }
        return (16 * Atan(5) - 4 * Atan(239)) >> 64;
    }

    [Test]
    public void ModularExponent_UsesOpenSsl_AndAgreesWithBigInteger()
    {
        Assert.That(ModularExponent.UsesOpenSsl, Is.True, "libcrypto is on every Linux .NET runs on");
        byte[] modulus = DhGroups.Modp2048.P.ToByteArray(true, true);
        for (int i = 0; i < 20; i++)
        {
            byte[] value = RandomNumberGenerator.GetBytes(1 + i * 12);
            byte[] exponent = RandomNumberGenerator.GetBytes(1 + i * 3);
            if (i == 0) value = [0];
            BigInteger expected = BigInteger.ModPow(new BigInteger(value, true, true), new BigInteger(exponent, true, true), DhGroups.Modp2048.P);
            byte[] result = ModularExponent.Compute(value, exponent, modulus);
            Assert.That(result, Has.Length.EqualTo(256));
            Assert.That(new BigInteger(result, true, true), Is.EqualTo(expected));
        }
    }

    [TestCaseSource(nameof(ClassicNames))]
    public void ClientAndServer_Agree(string name)
    {
        int rounds = name.Contains("group18") || name.Contains("group16") || name.Contains("exchange") ? 2 : 10;
        for (int i = 0; i < rounds; i++)
        {
            var (client, server) = Run(name);
            Assert.That(client.SharedSecret, Is.EqualTo(server.SharedSecret));
            Assert.That(client.ExchangeHash, Is.EqualTo(server.ExchangeHash));
            var r = new SshReader(client.SharedSecret);
            ReadOnlySpan<byte> k = r.ReadMpintUnsigned();
            Assert.That(r.AtEnd, Is.True, "K is one mpint");
            Assert.That(k.Length, Is.GreaterThan(0));
            Assert.That(HostKey.PublicKey.Verify(client.ExchangeHash, client.Signature), Is.True);
        }
    }

    /// <summary>Runs one exchange between a client and a server method object, passing messages until both are done.</summary>
    internal static (KexResult Client, KexResult Server) Run(string name, TransportSettings? settings = null)
    {
        settings ??= new TransportSettings();
        KexInfo info = KexRegistry.Find(name)!;
        using IKeyExchangeMethod client = info.Create(settings);
        using IKeyExchangeMethod server = info.Create(settings);
        KexStep c = client.Start(ClientContext());
        Assert.That(server.Start(ServerContext()), Is.EqualTo(KexStep.None));
        KexResult? onClient = null, onServer = null;
        for (int turn = 0; turn < 4 && (onClient is null || onServer is null); turn++)
        {
            KexStep s = server.Handle(c.Message!);
            onServer ??= s.Result;
            c = client.Handle(s.Message!);
            onClient ??= c.Result;
        }
        return (onClient!, onServer!);
    }

    [TestCase("0"), TestCase("1"), TestCase("p-1"), TestCase("p"), TestCase("p+1"), TestCase("negative"), TestCase("leading-zero")]
    public void ABadDhPublicValue_IsRefused(string what)
    {
        BigInteger p = DhGroups.Modp2048.P;
        byte[] value = what switch
        {
            "0" => [],
            "1" => [1],
            "p-1" => DhGroup.MpintBytes(p - 1),
            "p" => DhGroup.MpintBytes(p),
            "p+1" => DhGroup.MpintBytes(p + 1),
            "negative" => [0x80, 1],
            _ => [0, 5],
        };
        using IKeyExchangeMethod server = KexRegistry.Find("diffie-hellman-group14-sha256")!.Create(new TransportSettings());
        server.Start(ServerContext());
        var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(value)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("RFC 4253 §8").Or.Contain("RFC 4251 §5"));

        using IKeyExchangeMethod client = KexRegistry.Find("diffie-hellman-group14-sha256")!.Create(new TransportSettings());
        client.Start(ClientContext());
        e = Assert.Throws<SshProtocolException>(() => client.Handle(EcdhReply(value)));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
    }

    [TestCase("ecdh-sha2-nistp256", 65), TestCase("ecdh-sha2-nistp384", 97), TestCase("ecdh-sha2-nistp521", 133)]
    public void ANistPointOffTheCurve_OrCompressed_OrOfTheWrongLength_IsRefused(string name, int length)
    {
        byte[] offCurve = new byte[length];
        offCurve[0] = 4;
        offCurve[^1] = 7; // (0, 7) is on none of the three curves
        byte[] compressed = new byte[length];
        compressed[0] = 2;
        foreach (byte[] value in new[] { offCurve, compressed, new byte[length - 1], new byte[length + 1] })
        {
            using IKeyExchangeMethod server = KexRegistry.Find(name)!.Create(new TransportSettings());
            server.Start(ServerContext());
            var e = Assert.Throws<SshProtocolException>(() => server.Handle(EcdhInit(value)));
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
            Assert.That(e.Message, Does.Contain("RFC 5656 §4"));
        }
    }

    [Test]
    public void GroupExchange_UsesTheModuliFile_AndHashesTheRequestAndGroup()
    {
        string path = Path.Combine(Path.GetTempPath(), "sshcs-moduli-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "# comment\n" + ModuliLine + "\n");
        try
        {
            var settings = new TransportSettings { ModuliFile = path };
            // The client asks for 3072 bits; the file's only group is 2048 bits: the largest below is chosen.
            using IKeyExchangeMethod client = KexRegistry.Find("diffie-hellman-group-exchange-sha256")!.Create(settings);
            using IKeyExchangeMethod server = KexRegistry.Find("diffie-hellman-group-exchange-sha256")!.Create(settings);
            byte[] request = client.Start(ClientContext()).Message!;
            Assert.That(request, Is.EqualTo(new SshBuffer().WriteByte(34).WriteUInt32(2048).WriteUInt32(3072).WriteUInt32(8192).ToArray()));
            server.Start(ServerContext());
            byte[] group = server.Handle(request).Message!;
            var r = new SshReader(group.AsSpan(1));
            BigInteger p = new(r.ReadMpintUnsigned(), isUnsigned: true, isBigEndian: true);
            BigInteger g = new(r.ReadMpintUnsigned(), isUnsigned: true, isBigEndian: true);
            Assert.That(p.ToString("X").TrimStart('0'), Is.EqualTo(ModuliLine.Split(' ')[6]));
            Assert.That(g, Is.EqualTo(new BigInteger(2)));

            byte[] init = client.Handle(group).Message!;
            KexStep reply = server.Handle(init);
            KexResult onClient = client.Handle(reply.Message!).Result!;
            Assert.That(onClient.SharedSecret, Is.EqualTo(reply.Result!.SharedSecret));

            // H = SHA-256(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ min ‖ n ‖ max ‖ p ‖ g ‖ e ‖ f ‖ K) (RFC 4419 §3).
            byte[] e = new SshReader(init.AsSpan(1)).ReadStringBytes().ToArray();
            r = new SshReader(reply.Message!.AsSpan(1));
            byte[] hostKey = r.ReadStringBytes().ToArray();
            byte[] f = r.ReadStringBytes().ToArray();
            byte[] h = SHA256.HashData(new SshBuffer().WriteString(ClientVersion).WriteString(ServerVersion).WriteString(ClientKexInit)
                .WriteString(ServerKexInit).WriteString(hostKey).WriteUInt32(2048).WriteUInt32(3072).WriteUInt32(8192)
                .WriteMpint(p.ToByteArray(true, true)).WriteMpint(g.ToByteArray(true, true)).WriteString(e).WriteString(f)
                .WriteBytes(onClient.SharedSecret).Span);
            Assert.That(onClient.ExchangeHash, Is.EqualTo(h));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void GroupExchange_WithoutAModuliFile_UsesTheBuiltInGroups()
    {
        var settings = new TransportSettings { ModuliFile = "/nonexistent/moduli" };
        var (client, server) = Run("diffie-hellman-group-exchange-sha256", settings);
        Assert.That(client.SharedSecret, Is.EqualTo(server.SharedSecret));
        Assert.That(DhModuli.BuiltIn.Choose(2048, 3072, 8192)!.P, Is.EqualTo(DhGroups.Modp3072.P));
        Assert.That(DhModuli.BuiltIn.Choose(1024, 1024, 2048)!.P, Is.EqualTo(DhGroups.Modp2048.P), "never below 2048 bits");
        Assert.That(DhModuli.BuiltIn.Choose(1024, 1024, 1536), Is.Null);
        Assert.That(DhModuli.BuiltIn.Choose(2048, 8192, 8192)!.P, Is.EqualTo(DhGroups.Modp8192.P));
    }

    [Test]
    public void GroupExchange_Server_RefusesAnInconsistentOrUnservableRequest()
    {
        foreach ((uint min, uint n, uint max) in new[] { (4096u, 2048u, 8192u), (2048u, 8192u, 4096u), (512u, 1024u, 1024u) })
        {
            using IKeyExchangeMethod server = KexRegistry.Find("diffie-hellman-group-exchange-sha256")!.Create(new TransportSettings());
            server.Start(ServerContext());
            var e = Assert.Throws<SshProtocolException>(() => server.Handle(new SshBuffer().WriteByte(34).WriteUInt32(min).WriteUInt32(n).WriteUInt32(max).ToArray()));
            Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
            Assert.That(e.Message, Does.Contain("RFC 4419"));
        }
    }

    [Test]
    public void GroupExchange_Client_RefusesAGroupOutsideItsRange()
    {
        using IKeyExchangeMethod client = KexRegistry.Find("diffie-hellman-group-exchange-sha256")!.Create(new TransportSettings());
        client.Start(ClientContext());
        byte[] smallGroup = new SshBuffer().WriteByte(31).WriteMpint(DhGroups.Oakley2.P.ToByteArray(true, true)).WriteMpint([2]).ToArray();
        var e = Assert.Throws<SshProtocolException>(() => client.Handle(smallGroup));
        Assert.That(e!.Reason, Is.EqualTo(DisconnectReason.KeyExchangeFailed));
        Assert.That(e.Message, Does.Contain("1024-bit group"));
    }

    [Test]
    public void Moduli_KeepsOnlyTestedSafePrimesOfTheStatedSize()
    {
        string[] f = ModuliLine.Split(' ');
        string Line(string type, string tests, string size) => string.Join(' ', f[0], type, tests, f[3], size, f[5], f[6]);
        DhModuli moduli = DhModuli.Parse([ModuliLine, Line("1", f[2], f[4]), Line("2", "1", f[4]), Line("2", f[2], "3071"), "garbage line"]);
        Assert.That(moduli.Count, Is.EqualTo(1));
    }
}
