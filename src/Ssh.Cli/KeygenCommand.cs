using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs keygen</c>: ssh-keygen's everyday jobs with our key code: make a key pair, print a public key,
/// a fingerprint or a certificate, convert formats, change a passphrase, and sign certificates as a CA.</summary>
internal static class KeygenCommand
{
    public const string Help =
        """
        usage: sshcs keygen [-t ed25519|ecdsa|rsa] [-b BITS] [-N PASSPHRASE | --passphrase-env VAR] [-C COMMENT]
                            [-m OpenSSH|PEM|PKCS8] [-a ROUNDS] [-q] -f FILE
               sshcs keygen -y [-P PASSPHRASE | --passphrase-env VAR] -f FILE
               sshcs keygen -l [-v] [-E sha256|md5] -f FILE
               sshcs keygen -e [-m RFC4716] -f FILE          sshcs keygen -i -f FILE
               sshcs keygen -p [-P OLD] [-N NEW | --passphrase-env VAR] [-m FORMAT] -f FILE
               sshcs keygen -s CA_KEY -I KEY_ID [-h] [-n PRINCIPALS] [-V VALIDITY] [-z SERIAL] [-O OPTION]... FILE.pub...
               sshcs keygen -L -f CERTIFICATE

        ssh-keygen's jobs, with ssh-keygen's flags and output:
          (default)  make a key pair: FILE (mode 0600) and FILE.pub. ed25519 by default; ecdsa takes -b 256, 384 or
                     521; rsa -b 2048 to 16384 (3072 by default). -m writes the private key in the OpenSSH format
                     (default), PEM (PKCS#1/SEC1) or PKCS8; -N or --passphrase-env encrypts it (5 characters at
                     least); -a sets the bcrypt rounds of the OpenSSH format (16). An existing FILE is not replaced.
          -y         print the public key of a private key file
          -l         print the fingerprint (-E hash; -v adds the random art) of a key or certificate file
          -e / -i    export a public key as RFC 4716 / import one to OpenSSH's one-line form
          -p         re-encrypt a private key with a new passphrase (-N '' for none), or in another format (-m)
          -s         sign certificates with CA_KEY: -I id, -h for a host, -n names, -V [from:]to (+52w, 20300101,
                     always:forever), -z serial, -O clear | force-command=CMD | source-address=CIDR,... |
                     no-pty | no-port-forwarding | no-agent-forwarding | no-x11-forwarding | no-user-rc |
                     permit-* | extension:NAME[=VALUE] | critical:NAME[=VALUE]; writes FILE-cert.pub
          -L         list a certificate's contents
        Exit status: 0 done, 1 failed, 2 a usage error.
        """;

    private const int Failed = 1, Usage = 2;

    public static Task<int> RunAsync(string[] args)
    {
        KeygenOptions o;
        try
        {
            o = KeygenOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"sshcs keygen: {e.Message}");
            return Task.FromResult(Usage);
        }
        try
        {
            return Task.FromResult(o.Mode switch
            {
                'y' => PrintPublicKey(o),
                'l' => PrintFingerprint(o),
                'e' => Export(o),
                'i' => Import(o),
                'p' => ChangePassphrase(o),
                's' => KeygenSign.Sign(o),
                'L' => KeygenSign.List(o),
                _ => Generate(o),
            });
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or SshException or NotSupportedException or ArgumentException or OverflowException)
        {
            Console.Error.WriteLine($"sshcs keygen: {e.Message}");
            return Task.FromResult(Failed);
        }
    }

    private static int Generate(KeygenOptions o)
    {
        string path = o.RequireFile();
        if (File.Exists(path)) throw new IOException($"{path} already exists; remove it first, or give another -f FILE.");
        string? passphrase = o.PromptNewPassphrase();
        if (!o.Quiet) Console.Out.WriteLine($"Generating public/private {o.Type} key pair.");
        using SshPrivateKey key = SshPrivateKey.Generate(o.Type, o.Bits);
        key.Comment = o.Comment ?? $"{Environment.UserName}@{Environment.MachineName}";
        key.WritePrivateKeyFile(path, passphrase, o.Format, o.Rounds);
        File.WriteAllText(path + ".pub", key.PublicKey.ToOpenSshString(key.Comment) + "\n");
        if (o.Quiet) return 0;
        Console.Out.WriteLine($"Your identification has been saved in {path}");
        Console.Out.WriteLine($"Your public key has been saved in {path}.pub");
        Console.Out.WriteLine("The key fingerprint is:");
        Console.Out.WriteLine($"{key.PublicKey.GetFingerprint(o.Hash)} {key.Comment}");
        Console.Out.WriteLine("The key's randomart image is:");
        Console.Out.WriteLine(key.PublicKey.GetRandomArt(o.Hash));
        return 0;
    }

    private static int PrintPublicKey(KeygenOptions o)
    {
        string path = o.RequireFile();
        using SshPrivateKey key = LoadPrivate(path, o.OldPassphrase, o);
        Console.Out.WriteLine(key.PublicKey.ToOpenSshString(key.Comment));
        return 0;
    }

    /// <summary>A private key, asking for its passphrase on the terminal when it needs one and none was given.</summary>
    private static SshPrivateKey LoadPrivate(string path, string? passphrase, KeygenOptions o)
    {
        try
        {
            return SshPrivateKey.FromFile(path, passphrase);
        }
        catch (KeyPassphraseException e) when (!e.PassphraseGiven && o.CanPrompt)
        {
            return SshPrivateKey.FromFile(path, KeygenOptions.ReadHidden($"Enter passphrase for {path}: "));
        }
    }

    private static int PrintFingerprint(KeygenOptions o)
    {
        string path = o.RequireFile();
        (SshPublicKey key, string comment) = ReadAnyKey(path, o);
        Console.Out.WriteLine($"{key.KeySizeInBits} {key.GetFingerprint(o.Hash)} {(comment.Length == 0 ? "no comment" : comment)} ({key.DisplayType})");
        if (o.Verbose) Console.Out.WriteLine(key.GetRandomArt(o.Hash));
        return 0;
    }

    /// <summary>ssh-keygen -l takes public keys, certificates and private keys alike.</summary>
    private static (SshPublicKey Key, string Comment) ReadAnyKey(string path, KeygenOptions o)
    {
        string text = File.ReadAllText(path);
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            if (File.Exists(path + ".pub"))
            {
                PublicKeyFileEntry pub = PublicKeyFile.Load(path + ".pub");
                return (pub.Key, pub.Comment);
            }
            using SshPrivateKey key = LoadPrivate(path, o.OldPassphrase, o);
            return (key.PublicKey, key.Comment);
        }
        PublicKeyFileEntry entry = PublicKeyFile.Load(path);
        return (entry.Key, entry.Comment);
    }

    private static int Export(KeygenOptions o)
    {
        (SshPublicKey key, string comment) = ReadAnyKey(o.RequireFile(), o);
        if (o.ExportFormat is not ("RFC4716" or null)) throw new ArgumentException($"-e exports RFC4716 public keys only, not {o.ExportFormat}.");
        string header = comment.Length > 0 ? comment : $"{key.KeySizeInBits}-bit {key.DisplayType}, converted by sshcs";
        Console.Out.Write(PublicKeyFile.FormatRfc4716(key, header));
        return 0;
    }

    private static int Import(KeygenOptions o)
    {
        PublicKeyFileEntry entry = PublicKeyFile.Load(o.RequireFile());
        Console.Out.WriteLine(entry.Key.ToOpenSshString());
        return 0;
    }

    private static int ChangePassphrase(KeygenOptions o)
    {
        string path = o.RequireFile();
        using SshPrivateKey key = LoadPrivate(path, o.OldPassphrase, o);
        string? passphrase = o.PromptNewPassphrase();
        key.WritePrivateKeyFile(path, passphrase, o.FormatGiven ? o.Format : FormatOf(File.ReadAllText(path)), o.Rounds);
        Console.Out.WriteLine("Your identification has been saved with the new passphrase.");
        return 0;
    }

    private static PrivateKeyFormat FormatOf(string text) =>
        text.Contains("OPENSSH PRIVATE KEY", StringComparison.Ordinal) ? PrivateKeyFormat.OpenSsh
        : text.Contains("-----BEGIN PRIVATE KEY", StringComparison.Ordinal) || text.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal) ? PrivateKeyFormat.Pkcs8
        : PrivateKeyFormat.Pem;
}
