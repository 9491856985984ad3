using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.InteropTests.Server.Infrastructure;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Keys;

/// <summary>Key files both ways with OpenSSH's ssh-keygen (and OpenSSL where ssh-keygen has no such format): every
/// key type in every format, plain and encrypted, written by <c>sshcs keygen</c> and read by ssh-keygen, written by
/// ssh-keygen and read by <c>sshcs keygen</c>; fingerprints, RFC 4716, and certificates signed by <c>sshcs keygen -s</c>.</summary>
[TestFixture]
public sealed class KeyFileInteropTests
{
    private const int TimeoutMs = 120_000;
    private const string Passphrase = "correct horse battery";
    private string _dir = null!;

    [OneTimeSetUp]
    public void CreateDirectory() => _dir = OpenSshServer.CreateDirectory(OpenSshServer.TempRoot(), "keyfiles-");

    [OneTimeTearDown]
    public void RemoveDirectory() => OpenSshServer.TryDeleteDirectory(_dir);

    private static Task<ProcessResult> Sshcs(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(SshcsServerProcess.DotnetPath(), [SshcsServerProcess.CliPath(), .. args], timeout: TimeSpan.FromSeconds(90),
            environment: environment, cancellationToken: cancellationToken);

    private static Task<ProcessResult> Keygen(params string[] args) =>
        ProcessRunner.RunAsync(PeerBinaries.SshKeygen, args, timeout: TimeSpan.FromSeconds(90));

    /// <summary>(type, bits, format, encrypted) for every combination ssh-keygen itself can write.</summary>
    private static IEnumerable<TestCaseData> Matrix()
    {
        foreach (var (type, bits) in new[] { ("ed25519", 256), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 2048), ("rsa", 3072) })
        foreach (string format in new[] { "OpenSSH", "PEM", "PKCS8" })
        foreach (bool encrypted in new[] { false, true })
        {
            if (type == "ed25519" && format != "OpenSSH") continue; // ssh-keygen writes ed25519 only in its own format
            if (bits == 3072 && format != "OpenSSH") continue;      // the default size, once is enough
            yield return new TestCaseData(type, bits, format, encrypted).SetName($"{{m}}_{type}{bits}_{format}_{(encrypted ? "encrypted" : "plain")}");
        }
    }

    [TestCaseSource(nameof(Matrix)), CancelAfter(TimeoutMs)]
    public async Task Ssh_keygen_reads_the_keys_sshcs_keygen_writes(string type, int bits, string format, bool encrypted, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_dir, $"ours_{type}{bits}_{format}_{encrypted}");
        var env = new Dictionary<string, string?> { ["SSHCS_PASSPHRASE"] = Passphrase };
        var made = await Sshcs(["keygen", "-q", "-t", type, "-b", bits.ToString(), "-m", format, "-C", "made-by-sshcs",
            .. encrypted ? new[] { "--passphrase-env", "SSHCS_PASSPHRASE" } : ["-N", ""], "-f", path], env, cancellationToken);
        Assert.That(made.ExitCode, Is.EqualTo(0), made.Describe());
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var derived = await Keygen(["-y", "-P", encrypted ? Passphrase : "", "-f", path]);
        Assert.That(derived.ExitCode, Is.EqualTo(0), derived.Describe());
        string ourPublic = File.ReadAllText(path + ".pub").Trim();
        Assert.That(ourPublic.Split(' ')[..2], Is.EqualTo(derived.Stdout.Trim().Split(' ')[..2]), "ssh-keygen -y derives our .pub");
        if (encrypted)
        {
            var wrong = await Keygen(["-y", "-P", "wrong passphrase", "-f", path]);
            Assert.That(wrong.ExitCode, Is.Not.EqualTo(0), "the file really is encrypted");
        }

        var ourFingerprint = await Sshcs(["keygen", "-l", "-f", path + ".pub"], cancellationToken: cancellationToken);
        var theirFingerprint = await Keygen(["-l", "-f", path + ".pub"]);
        Assert.That(ourFingerprint.Stdout, Is.EqualTo(theirFingerprint.Stdout), "sshcs keygen -l prints what ssh-keygen -l does");
    }

    [TestCaseSource(nameof(Matrix)), CancelAfter(TimeoutMs)]
    public async Task Sshcs_keygen_reads_the_keys_ssh_keygen_writes(string type, int bits, string format, bool encrypted, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_dir, $"theirs_{type}{bits}_{format}_{encrypted}");
        // ssh-keygen 9.2 writes its own format unless -m says PEM or PKCS8 (it has no "-m OpenSSH").
        string[] formatOption = format == "OpenSSH" ? [] : ["-m", format];
        var made = await Keygen(["-q", "-t", type, "-b", bits.ToString(), .. formatOption, "-N", encrypted ? Passphrase : "", "-C", "made-by-ssh-keygen", "-f", path]);
        Assert.That(made.ExitCode, Is.EqualTo(0), made.Describe());

        var env = new Dictionary<string, string?> { ["SSHCS_PASSPHRASE"] = Passphrase };
        var derived = await Sshcs(["keygen", "-y", .. encrypted ? new[] { "--passphrase-env", "SSHCS_PASSPHRASE" } : [], "-f", path], env, cancellationToken);
        Assert.That(derived.ExitCode, Is.EqualTo(0), derived.Describe());
        Assert.That(derived.Stdout.Trim().Split(' ')[..2], Is.EqualTo(File.ReadAllText(path + ".pub").Trim().Split(' ')[..2]));

        using SshPrivateKey key = SshPrivateKey.FromFile(path, encrypted ? Passphrase : null);
        Assert.That(key.PublicKey, Is.EqualTo(PublicKeyFile.Load(path + ".pub").Key));
        if (encrypted)
        {
            var e = Assert.Throws<Ssh.Transport.KeyPassphraseException>(() => SshPrivateKey.FromFile(path, "wrong passphrase"));
            Assert.That(e!.Message, Does.StartWith(path + ": "));
        }
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Ed25519_in_pkcs8_is_read_and_written_as_OpenSSL_does(CancellationToken cancellationToken)
    {
        // ssh-keygen 9.2 keeps ed25519 in its own format; OpenSSL is the tool that speaks RFC 8410 PKCS#8.
        string theirs = Path.Combine(_dir, "openssl_ed25519.pem");
        var made = await ProcessRunner.RunAsync("/usr/bin/openssl", ["genpkey", "-algorithm", "ed25519", "-out", theirs], cancellationToken: cancellationToken);
        Assert.That(made.ExitCode, Is.EqualTo(0), made.Describe());
        using SshPrivateKey key = SshPrivateKey.FromFile(theirs);
        var raw = await ProcessRunner.RunAsync("/usr/bin/openssl", ["pkey", "-in", theirs, "-pubout", "-outform", "DER"], cancellationToken: cancellationToken);
        Assert.That(((Ed25519PublicKey)key.PublicKey).Key.ToArray(), Is.EqualTo(raw.StdoutBytes[^32..]));

        string ours = Path.Combine(_dir, "sshcs_ed25519.p8");
        key.WritePrivateKeyFile(ours, Passphrase, PrivateKeyFormat.Pkcs8);
        var read = await ProcessRunner.RunAsync("/usr/bin/openssl", ["pkey", "-in", ours, "-passin", $"pass:{Passphrase}", "-pubout", "-outform", "DER"],
            cancellationToken: cancellationToken);
        Assert.That(read.ExitCode, Is.EqualTo(0), read.Describe());
        Assert.That(read.StdoutBytes, Is.EqualTo(raw.StdoutBytes));
    }

    [TestCase("ed25519")]
    [TestCase("rsa")]
    [CancelAfter(TimeoutMs)]
    public async Task Rfc4716_exports_go_both_ways(string type, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_dir, $"rfc_{type}");
        Assert.That((await Keygen(["-q", "-t", type, "-N", "", "-f", path])).ExitCode, Is.EqualTo(0));
        string theirs = (await Keygen(["-e", "-f", path + ".pub"])).Stdout;
        string ours = (await Sshcs(["keygen", "-e", "-f", path + ".pub"], cancellationToken: cancellationToken)).Stdout;
        File.WriteAllText(path + ".ours.rfc", ours);
        File.WriteAllText(path + ".theirs.rfc", theirs);
        string original = string.Join(' ', File.ReadAllText(path + ".pub").Split(' ')[..2]);
        Assert.That((await Keygen(["-i", "-f", path + ".ours.rfc"])).Stdout.Trim(), Is.EqualTo(original), "ssh-keygen -i reads our export");
        Assert.That((await Sshcs(["keygen", "-i", "-f", path + ".theirs.rfc"], cancellationToken: cancellationToken)).Stdout.Trim(), Is.EqualTo(original));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Certificates_signed_by_sshcs_keygen_are_listed_by_ssh_keygen(CancellationToken cancellationToken)
    {
        string ca = Path.Combine(_dir, "sign_ca");
        string user = Path.Combine(_dir, "sign_user");
        Assert.That((await Keygen(["-q", "-t", "ecdsa", "-N", "", "-f", ca])).ExitCode, Is.EqualTo(0));
        Assert.That((await Keygen(["-q", "-t", "ed25519", "-N", "", "-f", user])).ExitCode, Is.EqualTo(0));
        var signed = await Sshcs(["keygen", "-s", ca, "-I", "deploy-key", "-n", "deploy,ops", "-z", "77", "-V", "20200101:20991231",
            "-O", "clear", "-O", "permit-pty", "-O", "force-command=/usr/bin/backup", "-O", "source-address=10.0.0.0/8", user + ".pub"],
            cancellationToken: cancellationToken);
        Assert.That(signed.ExitCode, Is.EqualTo(0), signed.Describe());

        var listed = await Keygen(["-L", "-f", user + "-cert.pub"]);
        Assert.That(listed.ExitCode, Is.EqualTo(0), listed.Describe());
        Assert.That(listed.Stdout, Does.Contain("Type: ssh-ed25519-cert-v01@openssh.com user certificate"));
        Assert.That(listed.Stdout, Does.Contain("Key ID: \"deploy-key\"").And.Contain("Serial: 77"));
        Assert.That(listed.Stdout, Does.Contain("Valid: from 2020-01-01T00:00:00 to 2099-12-31T00:00:00"));
        Assert.That(listed.Stdout, Does.Contain("force-command /usr/bin/backup").And.Contain("source-address 10.0.0.0/8"));
        Assert.That(listed.Stdout, Does.Contain("permit-pty").And.Not.Contain("permit-port-forwarding"));
        Assert.That(listed.Stdout, Does.Contain("                deploy\n                ops\n"));

        // And the other way: ssh-keygen -s, listed by sshcs keygen -L.
        string theirs = Path.Combine(_dir, "sign_user2");
        Assert.That((await Keygen(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", theirs])).ExitCode, Is.EqualTo(0));
        Assert.That((await Keygen(["-q", "-s", ca, "-I", "host-x", "-h", "-n", "x.example", theirs + ".pub"])).ExitCode, Is.EqualTo(0));
        var ours = await Sshcs(["keygen", "-L", "-f", theirs + "-cert.pub"], cancellationToken: cancellationToken);
        Assert.That(ours.Stdout, Does.Contain("Type: ssh-rsa-cert-v01@openssh.com host certificate").And.Contain("Key ID: \"host-x\"").And.Contain("x.example"));
    }
}
