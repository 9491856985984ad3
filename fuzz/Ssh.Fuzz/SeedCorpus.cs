using System.Text;
using Ssh.Fuzz.Targets;
using Ssh.Transport;
using Ssh.Transport.Algorithms.Ciphers;
using Ssh.Transport.Algorithms.Kex;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Wire;

namespace Ssh.Fuzz;

/// <summary>
/// The seed corpora: small, real inputs for each target, made with our own writers (the messages and packets our
/// tests exchange), the unit tests' ssh-keygen key files, and known_hosts, authorized_keys and ssh_config samples
/// written for this. <c>Ssh.Fuzz make-corpus fuzz/corpus</c> writes them; the files are committed.
/// </summary>
internal static class SeedCorpus
{
    public static void Write(string root)
    {
        var seeds = new Dictionary<string, List<(string Name, byte[] Data)>>();
        void Add(string target, string name, byte[] data)
        {
            if (Registry.Find(target) is null) throw new InvalidOperationException($"No target '{target}'.");
            if (!seeds.TryGetValue(target, out var list)) seeds[target] = list = [];
            list.Add((name, data));
        }

        byte[][] payloads = Payloads().Select(p => p.Payload).ToArray();
        // CHANNEL_DATA has no Read (the connection layer parses its header in place): afl-fuzz refuses a seed that
        // reaches no instrumented code.
        foreach ((string name, byte[] payload) in Payloads().Where(p => p.Payload[0] != (byte)MessageNumber.ChannelData))
            Add("messages", name, payload);

        // Packets: the same bodies raw (sealed by us, read as wire bytes) and as bodies for the harness to seal.
        byte[][] bodies = payloads.Take(4).Select(Body).ToArray();
        foreach (FuzzTarget t in PacketTargets.All())
        {
            (string cipher, string? mac) = Suite(t.Name);
            using IPacketCipher sealer = PacketTargets.Create(cipher, mac);
            byte[] wire = PacketTargets.Seal(sealer, bodies);
            Add(t.Name, "wire", [0, .. wire]);
            Add(t.Name, "wire-fragmented", [2, .. wire]);
            Add(t.Name, "bodies", [1, .. FuzzInput.Encode(bodies)]);
            Add(t.Name, "bodies-fragmented", [3, .. FuzzInput.Encode(bodies)]);
        }

        byte[] openSsh = Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
        Add("version-line", "server", [0, .. openSsh]);
        Add("version-line", "server-bytewise", [6, .. openSsh]);
        Add("version-line", "client-preamble", [1, .. Encoding.ASCII.GetBytes("Welcome to the host\r\nauthorised use only\nSSH-1.99-Cisco-1.25\r\n")]);
        Add("version-line", "dropbear-lf", [3, .. Encoding.ASCII.GetBytes("SSH-2.0-dropbear_2022.83\n")]);

        // Key exchange: a real exchange between our two sides, with the fixed ephemeral keys the harness uses.
        using (var client = new Curve25519KeyExchange(KexTargets.FixedScalar))
        using (var server = new Curve25519KeyExchange(KexTargets.FixedScalar.Reverse().ToArray()))
        {
            byte[] init = client.Start(KexTargets.ClientContext()).Message!;
            server.Start(KexTargets.ServerContext());
            byte[] reply = server.Handle(init).Message!;
            Add("kex-curve25519-sha256-server", "init", FuzzInput.Encode(init));
            Add("kex-curve25519-sha256-client", "reply-ed25519", [0, .. FuzzInput.Encode(reply)]);
            Add("kex-curve25519-sha256-client", "reply-rsa-negotiated", [4, .. FuzzInput.Encode(reply)]);
        }

        for (int i = 0; i < TestKeys.All.Count; i++)
        {
            SshPrivateKey key = TestKeys.All[i];
            string type = key.PublicKey.KeyType;
            Add("public-key-blob", type, key.PublicKey.GetBlob());
            Add("signature-verify", type, [(byte)i, .. key.Sign(KeyTargets.SignedData)]);
            Add("public-key-file", type, Encoding.UTF8.GetBytes(key.PublicKey.ToOpenSshString("test@sshcs") + "\n"));
            Add("openssh-private-key", type, [0, .. OpenSshPrivateKeyFile.DecodeArmor(OpenSshPrivateKeyFile.Format(key))]);
            Add("private-key-text", type, [0, .. Encoding.UTF8.GetBytes(OpenSshPrivateKeyFile.Format(key))]);
        }
        Add("signature-verify", "rsa-sha2-256", [4, .. TestKeys.All[4].Sign(KeyTargets.SignedData, "rsa-sha2-256")]);
        foreach (PrivateKeyFormat format in new[] { PrivateKeyFormat.Pem, PrivateKeyFormat.Pkcs8 })
        {
            Add("private-key-text", $"rsa-{format}", [0, .. Encoding.UTF8.GetBytes(TestKeys.All[4].Export(format))]);
            Add("private-key-text", $"ecdsa-{format}-encrypted", [1, .. Encoding.UTF8.GetBytes(TestKeys.All[1].Export(format, "correct horse"))]);
        }
        Add("private-key-text", "ed25519-pkcs8", [0, .. Encoding.UTF8.GetBytes(TestKeys.Ed25519.Export(PrivateKeyFormat.Pkcs8))]);

        // Certificates: a user certificate with every critical option, and host certificates signed by an RSA CA.
        var user = new SshCertificateBuilder(TestKeys.All[1].PublicKey, SshCertificateType.User, "seed-user") { Serial = 7, Principals = { "root", "deploy" } };
        user.CriticalOptions["force-command"] = "uptime";
        user.CriticalOptions["source-address"] = "127.0.0.0/8,::1";
        Add("certificate", "user-ecdsa", user.Sign(TestKeys.Ed25519).GetBlob());
        var host = new SshCertificateBuilder(TestKeys.Ed25519.PublicKey, SshCertificateType.Host, "seed-host") { Principals = { "*.example.org" } };
        host.SetValidity("20200101:20400101");
        Add("certificate", "host-ed25519", host.Sign(TestKeys.All[4], "rsa-sha2-256").GetBlob());
        Add("public-key-blob", "certificate", host.Sign(TestKeys.All[2]).GetBlob());
        foreach ((string name, string options) in new[]
        {
            ("command-from", "command=\"echo \\\"hi\\\"\",no-pty,from=\"10.0.0.0/8,!10.0.0.1,*.example.org\""),
            ("restrict-forwards", "restrict,pty,port-forwarding,permitopen=\"db:5432\",permitopen=\"[::1]:*\",permitlisten=\"localhost:8080\""),
            ("cert-authority", "cert-authority,principals=\"deploy,ops\",expiry-time=\"20301231Z\",environment=\"LANG=C\""),
        })
            Add("authorized-key-options", name, Encoding.UTF8.GetBytes(options));
        Add("public-key-file", "rfc4716", Encoding.UTF8.GetBytes(PublicKeyFile.FormatRfc4716(TestKeys.Ed25519.PublicKey, "test@sshcs")));
        Add("public-key-file", "options", Encoding.UTF8.GetBytes(
            "command=\"echo \\\"hi\\\"\",no-pty,from=\"10.0.0.*\" " + TestKeys.All[1].PublicKey.ToOpenSshString("deploy") + "\n"));
        string encrypted = OpenSshPrivateKeyFile.Format(TestKeys.Ed25519, "correct horse", kdfRounds: 2);
        Add("openssh-private-key", "ed25519-encrypted", [1, .. OpenSshPrivateKeyFile.DecodeArmor(encrypted)]);
        Add("private-key-text", "ed25519-encrypted", [1, .. Encoding.UTF8.GetBytes(encrypted)]);
        foreach (string pem in new[] { "rsa_pem", "rsa_pkcs8", "ecdsa_pem" })
            Add("private-key-text", pem, [0, .. File.ReadAllBytes(TestData(pem))]);

        string ed = TestKeys.Ed25519.PublicKey.ToOpenSshString();
        string ecdsa = TestKeys.All[1].PublicKey.ToOpenSshString();
        Add("known-hosts", "tests", File.ReadAllBytes(TestData("known_hosts")));
        Add("known-hosts", "hashed", File.ReadAllBytes(TestData("known_hosts_hashed")));
        Add("known-hosts", "markers", Encoding.UTF8.GetBytes(
            "# markers and ports\n" +
            $"@cert-authority *.example.com {ecdsa}\n" +
            $"@revoked example.com {ed} old key\n" +
            $"[example.com]:2222,[::1]:2222 {ed}\n" +
            $"{KnownHostEntry.HashHostName("example.com", new byte[20])} {ecdsa}\r\n" +
            "example.org ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7\n"));
        Add("authorized-keys", "options", Encoding.UTF8.GetBytes(
            "# authorized_keys\n\n" +
            $"{ed} me@laptop\n" +
            $"from=\"10.0.0.0/8,!10.0.0.66\",no-agent-forwarding,command=\"/usr/bin/backup \\\"--now\\\"\" {ecdsa} backup\n" +
            $"restrict,pty {TestKeys.All[4].PublicKey.ToOpenSshString("rsa")}\n" +
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP1 unsupported\n"));

        Add("ssh-config", "hosts", Encoding.UTF8.GetBytes(
            "# ~/.ssh/config\n" +
            "Host ALIAS alias2\n  HostName %h.example.com\n  User deploy\n  Port 2222\n  IdentityFile ~/.ssh/id_ed25519\n  IdentityFile ~/.ssh/id_rsa\n\n" +
            "Host *.internal.example !bastion.internal.example\n  ProxyJump bastion\n  LocalForward 8080 localhost:80\n\n" +
            "Match host foo exec \"true\"\n  User nobody\n\n" +
            "Include config.d/*\n" +
            "Host \"quoted host\" 10.0.0.?\n\tUser=\"root\"\n\tSendEnv LANG LC_*\n\n" +
            "Host *\n  ServerAliveInterval 15\n  UserKnownHostsFile ~/.ssh/known_hosts2\n"));

        // ssh-agent replies (PROTOCOL.agent): uint32 length ‖ byte type ‖ contents.
        var identities = new SshBuffer().WriteByte(12).WriteUInt32((uint)TestKeys.All.Count + 1);
        foreach (SshPrivateKey key in TestKeys.All) identities.WriteString(key.PublicKey.GetBlob()).WriteString(key.PublicKey.KeyType + " key");
        identities.WriteString(new SshBuffer().WriteString("ssh-dss").WriteString("p").Span).WriteString("a type we skip");
        Add("agent-replies", "identities", [0, .. Framed(identities.ToArray())]);
        Add("agent-replies", "sign-ed25519", [1, .. Framed(new SshBuffer().WriteByte(14).WriteString(TestKeys.Ed25519.Sign("data"u8)).ToArray())]);
        Add("agent-replies", "sign-rsa", [2, .. Framed(new SshBuffer().WriteByte(14).WriteString(TestKeys.All[4].Sign("data"u8, "rsa-sha2-256")).ToArray())]);
        Add("agent-replies", "failure", [1, .. Framed([5])]);

        foreach ((string name, byte[] data) in ConnectionSeeds()) Add("connection", name, data);
        foreach ((string name, byte[] data) in ServerSeeds()) Add("server-requests", name, data);
        foreach ((string target, string name, byte[] data) in SftpTargets.Seeds()) Add(target, name, data);

        foreach (FuzzTarget target in Registry.All)
        {
            if (!seeds.TryGetValue(target.Name, out var list)) throw new InvalidOperationException($"No seeds for '{target.Name}'.");
            string dir = Path.Combine(root, target.Name);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
            foreach ((string name, byte[] data) in list) File.WriteAllBytes(Path.Combine(dir, name), data);
            Console.WriteLine($"{target.Name}: {list.Count} seeds");
        }
    }

    private static string TestData(string name) =>
        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "tests", "TestData", name) is var p && File.Exists(p)
            ? p : Path.Combine("tests", "TestData", name);

    private static (string Cipher, string? Mac) Suite(string target) => target switch
    {
        "packet-none" => ("none", null),
        "packet-chacha20-poly1305" => (ChaCha20Poly1305PacketCipher.Name, null),
        "packet-aes-gcm" => ("aes128-gcm@openssh.com", null),
        "packet-aes-ctr-etm" => ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
        _ => ("aes128-ctr", "hmac-sha2-512"),
    };

    /// <summary>padding_length ‖ payload ‖ padding, padded as PacketWriter pads (at least 4, to a multiple of 16).</summary>
    private static byte[] Body(byte[] payload)
    {
        int padding = 16 - (5 + payload.Length) % 16;
        if (padding < 4) padding += 16;
        return [(byte)padding, .. payload, .. new byte[padding]];
    }

    private static byte[] Framed(byte[] body) => [.. new SshBuffer().WriteUInt32((uint)body.Length).Span, .. body];

    private static byte[] Encode<T>(T message) where T : IMessage
    {
        byte[] buffer = new byte[64 * 1024];
        var w = new SshWriter(buffer);
        message.Write(ref w);
        return w.Written.ToArray();
    }

    private static IEnumerable<(string Name, byte[] Payload)> Payloads()
    {
        var kexInit = new KexInitMessage
        {
            Cookie = new byte[16],
            KexAlgorithms = ["curve25519-sha256", "curve25519-sha256@libssh.org", "ext-info-c", "kex-strict-c-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256"],
            CiphersClientToServer = ["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes128-ctr"],
            CiphersServerToClient = ["aes256-gcm@openssh.com", "aes256-ctr"],
            MacsClientToServer = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512"],
            MacsServerToClient = ["hmac-sha2-512-etm@openssh.com"],
        };
        yield return ("kexinit", kexInit.ToPayload());
        yield return ("channel-data", Encode(new ChannelDataMessage(0, 0, "hello\n"u8.ToArray())));
        yield return ("service-request", Encode(new ServiceMessage(MessageNumber.ServiceRequest, "ssh-userauth")));
        yield return ("userauth-password", Encode(new UserauthRequestMessage("test", "ssh-connection", "password",
            new SshBuffer().WriteBoolean(false).WriteString("secret").ToArray())));
        yield return ("disconnect", Encode(new DisconnectMessage(DisconnectReason.ByApplication, "bye")));
        yield return ("unimplemented", Encode(new UnimplementedMessage(7)));
        yield return ("service-accept", Encode(new ServiceMessage(MessageNumber.ServiceAccept, "ssh-userauth")));
        yield return ("ext-info", Encode(new ExtInfoMessage([new("server-sig-algs", "ssh-ed25519,rsa-sha2-512"u8.ToArray()), new("ping@openssh.com", "0"u8.ToArray())])));
        byte[] blob = TestKeys.Ed25519.PublicKey.GetBlob();
        yield return ("userauth-publickey", Encode(new UserauthRequestMessage("test", "ssh-connection", "publickey",
            new SshBuffer().WriteBoolean(true).WriteString("ssh-ed25519").WriteString(blob).WriteString(TestKeys.Ed25519.Sign("x"u8)).ToArray())));
        yield return ("userauth-failure", Encode(new UserauthFailureMessage(["publickey", "password"], false)));
        yield return ("userauth-banner", Encode(new UserauthBannerMessage("Authorised users only.\n")));
        yield return ("userauth-pk-ok", Encode(new UserauthPkOkMessage("ssh-ed25519", blob)));
        yield return ("userauth-info-request", Encode(new UserauthInfoRequestMessage(new InteractiveQuery("PAM", "Answer please",
            [new InteractivePrompt("Password: ", false), new InteractivePrompt("Token: ", true)]))));
        yield return ("userauth-info-response", Encode(new UserauthInfoResponseMessage(["secret", "123456"])));
        yield return ("global-request", Encode(new GlobalRequestMessage("tcpip-forward", true, new SshBuffer().WriteString("127.0.0.1").WriteUInt32(0).ToArray())));
        yield return ("channel-open", Encode(new ChannelOpenMessage("direct-tcpip", 3, 2 * 1024 * 1024, 32 * 1024,
            new SshBuffer().WriteString("db.internal").WriteUInt32(5432).WriteString("127.0.0.1").WriteUInt32(50000).ToArray())));
        yield return ("channel-open-confirmation", Encode(new ChannelOpenConfirmationMessage(0, 3, 2 * 1024 * 1024, 32 * 1024)));
        yield return ("channel-open-failure", Encode(new ChannelOpenFailureMessage(0, ChannelOpenFailureReason.ConnectFailed, "refused")));
        yield return ("channel-request", Encode(new ChannelRequestMessage(0, "exec", true, new SshBuffer().WriteString("uname -a").ToArray())));
    }

    private static IEnumerable<(string Name, byte[] Data)> ConnectionSeeds()
    {
        byte[] confirm = Encode(new ChannelOpenConfirmationMessage(0, 5, 64 * 1024, 16 * 1024));
        yield return ("client-session", [0, .. FuzzInput.Encode(
            confirm,
            Encode(new ChannelDataMessage(0, 0, "stdout\n"u8.ToArray())),
            Encode(new ChannelDataMessage(0, 1, "stderr\n"u8.ToArray())),
            Encode(new ChannelDataMessage(0, 7, "other\n"u8.ToArray())),
            Encode(new ChannelWindowAdjustMessage(0, 4096)),
            Encode(new ChannelRequestMessage(0, "exit-status", false, new SshBuffer().WriteUInt32(3).ToArray())),
            Encode(new ChannelRequestMessage(0, "exit-signal", false, new SshBuffer().WriteString("TERM").WriteBoolean(false).WriteString("killed").WriteString("").ToArray())),
            Encode(new ChannelSignalMessage(MessageNumber.ChannelEof, 0)),
            Encode(new ChannelSignalMessage(MessageNumber.ChannelClose, 0)))]);
        yield return ("client-refused", [0, .. FuzzInput.Encode(
            Encode(new ChannelOpenFailureMessage(0, ChannelOpenFailureReason.AdministrativelyProhibited, "no")),
            Encode(new GlobalRequestMessage("hostkeys-00@openssh.com", false, new SshBuffer().WriteString(TestKeys.Ed25519.PublicKey.GetBlob()).ToArray())),
            Encode(new ChannelOpenMessage("forwarded-tcpip", 9, 1024, 1024, default)))]);
        yield return ("server-channel", [1, .. FuzzInput.Encode(
            confirm,
            Encode(new ChannelOpenMessage("session", 9, 64 * 1024, 16 * 1024, default)),
            Encode(new ChannelRequestMessage(0, "pty-req", true, new SshBuffer().WriteString("xterm").WriteUInt32(80).WriteUInt32(24).WriteUInt32(0).WriteUInt32(0).WriteString([53, 0, 0, 0, 1, 0]).ToArray())),
            Encode(new ChannelRequestMessage(0, "shell", true, default)),
            Encode(new ChannelSignalMessage(MessageNumber.ChannelSuccess, 0)),
            Encode(new GlobalRequestMessage("keepalive@openssh.com", true, default)),
            Encode(new EmptyMessage(MessageNumber.RequestFailure)),
            Encode(new ChannelSignalMessage(MessageNumber.ChannelClose, 0)))]);
    }

    private static IEnumerable<(string Name, byte[] Data)> ServerSeeds()
    {
        static byte[] Seed(byte kind, string name, SshBuffer data) => [kind, .. FuzzInput.Encode(Encoding.UTF8.GetBytes(name)), .. data.Span];
        yield return ("direct-tcpip", Seed(0, "direct-tcpip", new SshBuffer().WriteString("db.internal").WriteUInt32(5432).WriteString("127.0.0.1").WriteUInt32(50000)));
        yield return ("direct-streamlocal", Seed(0, "direct-streamlocal@openssh.com", new SshBuffer().WriteString("/run/app.sock").WriteString("").WriteUInt32(0)));
        yield return ("session", Seed(0, "session", new SshBuffer()));
        yield return ("pty-req", Seed(1, "pty-req", new SshBuffer().WriteString("xterm-256color").WriteUInt32(120).WriteUInt32(40).WriteUInt32(0).WriteUInt32(0)
            .WriteString([1, 0, 0, 0, 3, 53, 0, 0, 0, 1, 128, 0, 0, 0x96, 0, 42, 0, 0, 0, 1, 0])));
        yield return ("env", Seed(1, "env", new SshBuffer().WriteString("LANG").WriteString("C.UTF-8")));
        yield return ("exec", Seed(1, "exec", new SshBuffer().WriteString("uname -a")));
        yield return ("subsystem", Seed(1, "subsystem", new SshBuffer().WriteString("sftp")));
        yield return ("window-change", Seed(1, "window-change", new SshBuffer().WriteUInt32(100).WriteUInt32(30).WriteUInt32(0).WriteUInt32(0)));
        yield return ("signal", Seed(1, "signal", new SshBuffer().WriteString("INT")));
        yield return ("tcpip-forward", Seed(2, "tcpip-forward", new SshBuffer().WriteString("127.0.0.1").WriteUInt32(0)));
        yield return ("cancel-tcpip-forward", Seed(2, "cancel-tcpip-forward", new SshBuffer().WriteString("127.0.0.1").WriteUInt32(8080)));
        yield return ("streamlocal-forward", Seed(2, "streamlocal-forward@openssh.com", new SshBuffer().WriteString("/tmp/fwd.sock")));
    }
}
