using System.Text;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Wire;

namespace Ssh.Fuzz.Targets;

/// <summary>Public key blobs, signature verification with junk signatures, and every key file format: .pub (one
/// line and RFC 4716), openssh-key-v1 (the binary body, clear or encrypted), the private key text (armour and PEM),
/// known_hosts and authorized_keys.</summary>
internal static class KeyTargets
{
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new("public-key-blob", "SshPublicKey.FromBlob (RFC 4253 §6.6), then the key's blob, fingerprints and Verify",
            PublicKeyBlob, typeof(FormatException), typeof(NotSupportedException));
        yield return new("signature-verify", "SshPublicKey.Verify of every key type fed junk signature blobs",
            SignatureVerify);
        yield return new("public-key-file", "PublicKeyFile.Parse: .pub lines with options, and RFC 4716",
            input => PublicKeyFile.Parse(Text(input)), typeof(FormatException));
        yield return new("openssh-private-key", "OpenSshPrivateKeyFile.ParseBlob: openssh-key-v1 body, clear or with a passphrase",
            OpenSshPrivateKey, typeof(FormatException), typeof(KeyPassphraseException)) { WarmUp = WarmUpBcrypt };
        yield return new("private-key-text", "SshPrivateKey.FromString: the OpenSSH armour and PEM (PKCS#1, SEC1, PKCS#8)",
            PrivateKeyText, typeof(FormatException), typeof(KeyPassphraseException)) { WarmUp = WarmUpBcrypt };
        yield return new("known-hosts", "KnownHostsFile.Parse, Lookup, Check and ToString (never throws)", KnownHosts);
        yield return new("authorized-keys", "AuthorizedKeysFile.Parse and Find (never throws)", AuthorizedKeys);
        yield return new("certificate", "SshCertificate (PROTOCOL.certkeys) from a blob: Validate as user and host, the listing, known_hosts' Check",
            Certificate, typeof(FormatException), typeof(NotSupportedException));
        yield return new("authorized-key-options", "AuthorizedKeyOptions.Parse and the permissions it folds into",
            AuthorizedKeyOptionsText, typeof(FormatException));
    }

    private static void WarmUpBcrypt() => _ = new Blowfish();

    private static readonly System.Net.IPAddress[] Addresses = [System.Net.IPAddress.Loopback, System.Net.IPAddress.Parse("10.1.2.3"), System.Net.IPAddress.IPv6Loopback];
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A blob that parses as a certificate (its CA signature checked on the way) is validated every way a
    /// client or server would, listed, and checked against a known_hosts file trusting its CA.</summary>
    private static void Certificate(byte[] input)
    {
        if (SshPublicKey.FromBlob(input) is not SshCertificate certificate) return;
        foreach (string name in new[] { "root", "deploy", "host.example.org", "" })
        {
            foreach (System.Net.IPAddress address in Addresses)
            {
                certificate.Validate(SshCertificateType.User, name, out _, address, Now);
                certificate.Validate(SshCertificateType.Host, name, out _, address, Now);
            }
        }
        _ = certificate.ToString();
        _ = (certificate.ForceCommand, certificate.SourceAddress, certificate.HasExtension("permit-pty"), certificate.GetRandomArt());
        var knownHosts = new KnownHostsFile();
        knownHosts.Add(KnownHostEntry.CreatePattern("*", certificate.SignatureKey, KnownHostMarker.CertAuthority));
        knownHosts.Check("host.example.org", 22, certificate);
    }

    private static void AuthorizedKeyOptionsText(byte[] input)
    {
        AuthorizedKeyOptions options = AuthorizedKeyOptions.Parse(Text(input));
        _ = (options.Command, options.From, options.Principals, options.ExpiryTime, options.Environment.Count, options.PermitOpen.Count,
            options.PermitListen.Count, options.PermitPty, options.PermitPortForwarding, options.PermitAgentForwarding, options.PermitX11Forwarding,
            options.PermitUserRc, options.CertAuthority, options.IsExpired(Now));
        if (options.From is { } from)
        {
            foreach (System.Net.IPAddress address in Addresses) Ssh.Transport.AddressPattern.MatchesHostList(from, address, "host.example.org");
        }
        var permissions = Ssh.Server.Sessions.SessionPermissions.FromKeyOptions(options, permitEnvironment: true);
        permissions.AllowsOpen("db.internal", 5432);
        permissions.AllowsListen("localhost", 8080);
    }

    /// <summary>The data a junk signature claims to sign.</summary>
    internal static readonly byte[] SignedData = "sshcs fuzz: the data under the signature"u8.ToArray();

    /// <summary>File text as File.ReadAllText would give it (UTF-8, invalid sequences replaced).</summary>
    private static string Text(byte[] input) => Encoding.UTF8.GetString(input);

    private static void PublicKeyBlob(byte[] input)
    {
        SshPublicKey key = SshPublicKey.FromBlob(input);
        byte[] blob = key.GetBlob();
        if (!SshPublicKey.FromBlob(blob).Equals(key))
            throw new InvalidOperationException($"A {key.KeyType} key does not survive GetBlob and FromBlob.");
        key.GetFingerprint();
        key.GetMd5Fingerprint();
        PublicKeyFile.ParseLine(key.ToOpenSshString("comment"));
        key.Verify(SignedData, input);
    }

    private static void SignatureVerify(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        SshPublicKey key = TestKeys.All[fuzz.Byte() % TestKeys.All.Count].PublicKey;
        key.Verify(SignedData, fuzz.Rest);
        SshPublicKey.SignatureAlgorithmOf(fuzz.Rest);
    }

    /// <summary>The first byte says whether to give a passphrase. bcrypt_pbkdf costs what the file asks (up to
    /// 100,000 rounds: minutes, by design, as ssh-keygen -a), so a passphrase is given only to files asking for at most
    /// <see cref="MaxRoundsWithPassphrase"/>; the others are parsed without one.</summary>
    private static void OpenSshPrivateKey(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        bool withPassphrase = (fuzz.Byte() & 1) != 0;
        ReadOnlySpan<byte> blob = fuzz.Rest;
        string? passphrase = withPassphrase && KdfRounds(blob) <= MaxRoundsWithPassphrase ? "correct horse" : null;
        using SshPrivateKey key = OpenSshPrivateKeyFile.ParseBlob(blob, passphrase);
        key.Sign(SignedData);
    }

    private const uint MaxRoundsWithPassphrase = 4;

    /// <summary>The bcrypt rounds an openssh-key-v1 body asks for; 0 when it asks for none or cannot be read.</summary>
    private static uint KdfRounds(ReadOnlySpan<byte> blob)
    {
        const int magicLength = 15; // "openssh-key-v1\0"
        if (blob.Length < magicLength) return 0;
        try
        {
            var reader = new SshReader(blob[magicLength..]);
            reader.ReadStringBytes(); // cipher
            reader.ReadStringBytes(); // kdf name
            var options = new SshReader(reader.ReadStringBytes());
            options.ReadStringBytes(); // salt
            return options.ReadUInt32();
        }
        catch (SshProtocolException)
        {
            return 0;
        }
    }

    /// <summary>The first byte says whether to give a passphrase (PEM's PKCS#8 encryption has its own iteration
    /// count; the OpenSSH body's is capped as in <see cref="OpenSshPrivateKey"/>).</summary>
    private static void PrivateKeyText(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        bool withPassphrase = (fuzz.Byte() & 1) != 0;
        string text = Text(fuzz.Rest.ToArray());
        if (withPassphrase && !PemPrivateKey.IsPem(text))
        {
            try
            {
                if (KdfRounds(OpenSshPrivateKeyFile.DecodeArmor(text)) > MaxRoundsWithPassphrase) withPassphrase = false;
            }
            catch (FormatException)
            {
            }
        }
        using SshPrivateKey key = SshPrivateKey.FromString(text, withPassphrase ? "correct horse" : null);
        key.Sign(SignedData);
    }

    private static void KnownHosts(byte[] input)
    {
        KnownHostsFile file = KnownHostsFile.Parse(Text(input));
        foreach (KnownHostEntry entry in file.Entries)
        {
            entry.ToString();
            if (entry.Key is not null && entry.LineNumber > 0) file.Check("example.com", 2222, entry.Key);
        }
        file.Lookup("example.com");
        file.Check("example.com", 22, TestKeys.Ed25519.PublicKey);
        file.Check("[::1]", 2222, TestKeys.Ed25519.PublicKey);
        string saved = file.ToString();
        KnownHostsFile again = KnownHostsFile.Parse(saved);
        if (again.Entries.Count != file.Entries.Count)
            throw new InvalidOperationException($"known_hosts lost entries in ToString and Parse: {file.Entries.Count} became {again.Entries.Count}.");
    }

    private static void AuthorizedKeys(byte[] input)
    {
        AuthorizedKeysFile file = AuthorizedKeysFile.Parse(Text(input));
        file.Contains(TestKeys.Ed25519.PublicKey);
        foreach (PublicKeyFileEntry entry in file.Entries)
        {
            if (file.Find(entry.Key) is null)
                throw new InvalidOperationException("An authorized key read from the file is not found in it.");
        }
    }
}
