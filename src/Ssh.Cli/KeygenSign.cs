using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs keygen -s</c> and <c>-L</c>: a CA signing certificates as ssh-keygen does, and listing one.</summary>
internal static class KeygenSign
{
    public static int Sign(KeygenOptions o)
    {
        using SshPrivateKey ca = SshPrivateKey.FromFile(o.CaKey!, o.OldPassphrase);
        SshCertificateType type = o.HostCertificate ? SshCertificateType.Host : SshCertificateType.User;
        foreach (string file in o.Files)
        {
            PublicKeyFileEntry entry = PublicKeyFile.Load(file);
            SshPublicKey key = entry.Key is SshCertificate existing ? existing.Key : entry.Key;
            var builder = new SshCertificateBuilder(key, type, o.KeyId!) { Serial = o.Serial };
            if (o.Validity is not null) builder.SetValidity(o.Validity);
            foreach (string principal in (o.Principals ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                builder.Principals.Add(principal);
            foreach (string option in o.CertificateOptions) Apply(builder, option);
            SshCertificate certificate = builder.Sign(ca);
            string stem = file.EndsWith(".pub", StringComparison.Ordinal) ? file[..^4] : file;
            string output = stem + "-cert.pub";
            File.WriteAllText(output, certificate.ToOpenSshString(entry.Comment) + "\n");
            if (!o.Quiet)
            {
                Console.Error.WriteLine($"Signed {(type == SshCertificateType.Host ? "host" : "user")} key {output}: id \"{o.KeyId}\" serial {o.Serial} " +
                    $"{(builder.Principals.Count == 0 ? "valid for any principal" : "for " + string.Join(",", builder.Principals))} " +
                    $"valid {certificate.Validity}");
            }
        }
        return 0;
    }

    public static int List(KeygenOptions o)
    {
        string path = o.RequireFile();
        if (PublicKeyFile.Load(path).Key is not SshCertificate certificate)
            throw new FormatException($"{path}: is not a certificate.");
        Console.Out.WriteLine($"{path}:");
        foreach (string line in certificate.ToString().Split('\n')) Console.Out.WriteLine("        " + line);
        return 0;
    }

    /// <summary>ssh-keygen's -O options.</summary>
    private static void Apply(SshCertificateBuilder builder, string option)
    {
        int eq = option.IndexOf('=');
        string name = (eq < 0 ? option : option[..eq]).ToLowerInvariant();
        string value = eq < 0 ? "" : option[(eq + 1)..];
        string[] features = ["x11-forwarding", "agent-forwarding", "port-forwarding", "pty", "user-rc"];
        switch (name)
        {
            case "clear":
                builder.Extensions.Clear();
                builder.CriticalOptions.Clear();
                break;
            case "force-command" or "source-address" when eq > 0:
                builder.CriticalOptions[name] = value;
                break;
            case var n when n.StartsWith("no-", StringComparison.Ordinal) && features.Contains(n[3..]):
                builder.Extensions.Remove(ExtensionName(n[3..]));
                break;
            case var n when n.StartsWith("permit-", StringComparison.Ordinal) && features.Contains(n[7..]):
                builder.Extensions[ExtensionName(n[7..])] = "";
                break;
            case var n when n.StartsWith("extension:", StringComparison.Ordinal):
                builder.Extensions[option["extension:".Length..(eq < 0 ? option.Length : eq)]] = value;
                break;
            case var n when n.StartsWith("critical:", StringComparison.Ordinal):
                builder.CriticalOptions[option["critical:".Length..(eq < 0 ? option.Length : eq)]] = value;
                break;
            default:
                throw new ArgumentException($"-O {option}: unknown certificate option.");
        }
    }

    // PROTOCOL.certkeys spells X11 in capitals.
    private static string ExtensionName(string feature) => feature == "x11-forwarding" ? "permit-X11-forwarding" : "permit-" + feature;
}
