using System.Globalization;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary>The command line of <c>sshcs keygen</c>, with ssh-keygen's flags.</summary>
internal sealed class KeygenOptions
{
    /// <summary>ssh-keygen refuses shorter passphrases.</summary>
    private const int MinimumPassphrase = 5;

    public char Mode { get; private set; } = 'g';
    public string Type { get; private set; } = "ed25519";
    public int Bits { get; private set; }
    public string? File { get; private set; }
    public string? Comment { get; private set; }
    public string? NewPassphrase { get; private set; }
    public bool NewPassphraseGiven { get; private set; }
    public string? OldPassphrase { get; private set; }
    public PrivateKeyFormat Format { get; private set; } = PrivateKeyFormat.OpenSsh;
    public bool FormatGiven { get; private set; }
    public string? ExportFormat { get; private set; }
    public int Rounds { get; private set; } = 16;
    public string Hash { get; private set; } = "sha256";
    public bool Quiet { get; private set; }
    public bool Verbose { get; private set; }

    // Certificate signing (-s).
    public string? CaKey { get; private set; }
    public string? KeyId { get; private set; }
    public bool HostCertificate { get; private set; }
    public string? Principals { get; private set; }
    public string? Validity { get; private set; }
    public ulong Serial { get; private set; }
    public List<string> CertificateOptions { get; } = [];
    public List<string> Files { get; } = [];

    /// <summary>Whether passphrases may be asked for on the terminal.</summary>
    public bool CanPrompt => !Console.IsInputRedirected;

    public static KeygenOptions Parse(string[] args)
    {
        var o = new KeygenOptions();
        string? passphraseFromEnvironment = null;
        int i = 0;
        string Next(string flag) => ++i < args.Length ? args[i] : throw new ArgumentException($"{flag} needs a value.");
        void SetMode(char mode)
        {
            if (o.Mode != 'g' && o.Mode != mode) throw new ArgumentException($"-{o.Mode} and -{mode} cannot go together.");
            o.Mode = mode;
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "-t": o.Type = Next(a).ToLowerInvariant(); break;
                case "-b":
                    o.Bits = int.TryParse(Next(a), NumberStyles.None, CultureInfo.InvariantCulture, out int bits) ? bits : throw new ArgumentException("-b takes a number of bits.");
                    break;
                case "-f": o.File = Next(a); break;
                case "-C": o.Comment = Next(a); break;
                case "-N":
                    o.NewPassphrase = CheckNew(Next(a));
                    o.NewPassphraseGiven = true;
                    break;
                case "-P": o.OldPassphrase = Next(a); break;
                case "--passphrase-env":
                    string variable = Next(a);
                    passphraseFromEnvironment = Environment.GetEnvironmentVariable(variable)
                        ?? throw new ArgumentException($"--passphrase-env {variable}: the variable is not set.");
                    break;
                case "-m":
                    string format = Next(a).ToUpperInvariant();
                    if (format == "RFC4716")
                    {
                        o.ExportFormat = format;
                        break;
                    }
                    o.FormatGiven = true;
                    o.Format = format switch
                    {
                        "OPENSSH" => PrivateKeyFormat.OpenSsh,
                        "PEM" => PrivateKeyFormat.Pem,
                        "PKCS8" => PrivateKeyFormat.Pkcs8,
                        _ => throw new ArgumentException($"-m {args[i]}: use OpenSSH, PEM or PKCS8 (RFC4716 with -e)."),
                    };
                    break;
                case "-a":
                    o.Rounds = int.TryParse(Next(a), NumberStyles.None, CultureInfo.InvariantCulture, out int rounds) && rounds is >= 1 and <= 100_000
                        ? rounds : throw new ArgumentException("-a takes a number of rounds, 1 to 100000.");
                    break;
                case "-E":
                    o.Hash = Next(a).ToLowerInvariant() is "sha256" or "md5" ? args[i].ToLowerInvariant() : throw new ArgumentException("-E takes sha256 or md5.");
                    break;
                case "-q": o.Quiet = true; break;
                case "-v": o.Verbose = true; break;
                case "-y" or "-l" or "-e" or "-i" or "-p" or "-L": SetMode(a[1]); break;
                case "-s": SetMode('s'); o.CaKey = Next(a); break;
                case "-I": o.KeyId = Next(a); break;
                case "-h": o.HostCertificate = true; break;
                case "-n": o.Principals = Next(a); break;
                case "-V": o.Validity = Next(a); break;
                case "-z":
                    o.Serial = ulong.TryParse(Next(a), NumberStyles.None, CultureInfo.InvariantCulture, out ulong serial) ? serial : throw new ArgumentException("-z takes a serial number.");
                    break;
                case "-O": o.CertificateOptions.Add(Next(a)); break;
                default:
                    if (a.StartsWith('-')) throw new ArgumentException($"Unknown option '{a}'.");
                    o.Files.Add(a);
                    break;
            }
        }
        if (passphraseFromEnvironment is not null)
        {
            // The key being read (-y, -l, -e, -s's CA) or the one being written (generation, -p).
            if (o.Mode is 'g' or 'p')
            {
                o.NewPassphrase = CheckNew(passphraseFromEnvironment);
                o.NewPassphraseGiven = true;
            }
            else o.OldPassphrase = passphraseFromEnvironment;
        }
        if (o.Mode == 's')
        {
            if (o.KeyId is null) throw new ArgumentException("-s needs -I KEY_ID.");
            if (o.Files.Count == 0) throw new ArgumentException("-s needs the public key files to sign.");
        }
        else if (o.Files.Count > 0) throw new ArgumentException($"Unexpected '{o.Files[0]}'.");
        return o;
    }

    public string RequireFile() => File ?? throw new ArgumentException("-f FILE is required.");

    private static string? CheckNew(string passphrase)
    {
        if (passphrase.Length == 0) return null;
        if (passphrase.Length < MinimumPassphrase)
            throw new ArgumentException($"The passphrase is too short (minimum {MinimumPassphrase} characters).");
        return passphrase;
    }

    /// <summary>The new passphrase: -N or --passphrase-env, else asked twice on a terminal (empty: none); without a
    /// terminal, none.</summary>
    public string? PromptNewPassphrase()
    {
        if (NewPassphraseGiven) return NewPassphrase;
        if (!CanPrompt) return null;
        string first = ReadHidden("Enter passphrase (empty for no passphrase): ");
        string second = ReadHidden("Enter same passphrase again: ");
        if (first != second) throw new ArgumentException("Passphrases do not match.");
        return CheckNew(first);
    }

    /// <summary>A line from the terminal without echoing it.</summary>
    public static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
