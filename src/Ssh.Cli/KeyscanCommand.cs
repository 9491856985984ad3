using System.Globalization;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Cli;

/// <summary><c>sshcs keyscan</c>: ssh-keyscan with our transport. One key exchange per host and key type, each
/// asking for that type only; the key (proven by the exchange's signature) is printed as a known_hosts line.</summary>
internal static class KeyscanCommand
{
    public const string Help =
        """
        usage: sshcs keyscan [-p PORT] [-t TYPES] [-T TIMEOUT] [-H] [-c] [-f FILE] [HOST...]

        Prints each host's public keys as known_hosts lines, as ssh-keyscan does: "HOST TYPE BASE64" (or
        "[HOST]:PORT TYPE BASE64" off port 22; certificates, with -c, without the host) on stdout, and
        "# HOST:PORT SSH-2.0-..." on stderr.
          -p PORT      the port (22)
          -t TYPES     comma-separated key types: ed25519, ecdsa, rsa (all three by default)
          -T TIMEOUT   seconds to wait for each host (5)
          -H           hash the host names (as ssh-keygen -H and HashKnownHosts)
          -c           ask for host certificates instead of plain keys
          -f FILE      read hosts from FILE, one per line ("-" for stdin), besides those given
        Exit status: 0 when a key was printed, 1 when none was.
        """;

    private static readonly Dictionary<string, string[]> Algorithms = new(StringComparer.Ordinal)
    {
        ["rsa"] = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
        ["ecdsa"] = ["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
        ["ed25519"] = ["ssh-ed25519"],
    };

    public static async Task<int> RunAsync(string[] args)
    {
        int port = 22;
        string[] types = ["rsa", "ecdsa", "ed25519"];
        var timeout = TimeSpan.FromSeconds(5);
        bool hash = false, certificates = false;
        var hosts = new List<string>();
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");
                switch (args[i])
                {
                    case "-p":
                        port = int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536 ? p : throw new ArgumentException("-p takes a port number.");
                        break;
                    case "-t":
                        types = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(NormalizeType).ToArray();
                        break;
                    case "-T":
                        timeout = int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out int t) && t > 0 ? TimeSpan.FromSeconds(t) : throw new ArgumentException("-T takes a number of seconds.");
                        break;
                    case "-H": hash = true; break;
                    case "-c": certificates = true; break;
                    case "-f":
                        string file = Next();
                        string text = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
                        hosts.AddRange(text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split((char[]?)null, 2)[0]));
                        break;
                    default:
                        if (args[i].StartsWith('-')) throw new ArgumentException($"Unknown option '{args[i]}'.");
                        hosts.Add(args[i]);
                        break;
                }
            }
            if (hosts.Count == 0) throw new ArgumentException("Give at least one HOST (or -f FILE).");
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            Console.Error.WriteLine($"sshcs keyscan: {e.Message}");
            return 2;
        }

        // Scan a few at once; print each host's keys together, in the order asked.
        using var limit = new SemaphoreSlim(8);
        var scans = hosts.Select(host => types.Select(type => ScanAsync(host, port, type, certificates, timeout, limit)).ToArray()).ToArray();
        int printed = 0;
        for (int h = 0; h < hosts.Count; h++)
        {
            string name = KnownHostEntry.HostName(hosts[h], port);
            bool banner = false;
            foreach (Task<(SshPublicKey? Key, string? Version, string? Error)> scan in scans[h])
            {
                var (key, version, error) = await scan.ConfigureAwait(false);
                if (!banner && version is not null)
                {
                    Console.Error.WriteLine($"# {hosts[h]}:{port} {version}");
                    banner = true;
                }
                if (key is null)
                {
                    if (error is not null) Console.Error.WriteLine($"# {hosts[h]}:{port}: {error}");
                    continue;
                }
                // A certificate has no business in known_hosts, so ssh-keyscan -c prints it without a host name.
                string host = key is SshCertificate ? "" : (hash ? KnownHostEntry.HashHostName(name) : name) + " ";
                Console.Out.WriteLine($"{host}{key.KeyType} {Convert.ToBase64String(key.GetBlob())}");
                printed++;
            }
        }
        return printed > 0 ? 0 : 1;
    }

    private static string NormalizeType(string type) => type switch
    {
        "ssh-ed25519" => "ed25519",
        "ssh-rsa" => "rsa",
        _ when type.StartsWith("ecdsa", StringComparison.Ordinal) => "ecdsa",
        _ when Algorithms.ContainsKey(type) => type,
        _ => throw new ArgumentException($"-t {type}: use ed25519, ecdsa or rsa."),
    };

    private static async Task<(SshPublicKey? Key, string? Version, string? Error)> ScanAsync(string host, int port, string type, bool certificates,
        TimeSpan timeout, SemaphoreSlim limit)
    {
        await limit.WaitAsync().ConfigureAwait(false);
        SshTransport? transport = null;
        try
        {
            var settings = new TransportSettings
            {
                HostKeyAlgorithms = certificates ? Algorithms[type].Where(a => a != "ssh-rsa").Select(a => a + SshCertificate.TypeSuffix).ToArray() : Algorithms[type],
            };
            using var deadline = new CancellationTokenSource(timeout);
            transport = await SshTransport.ConnectAsync(host, port, settings, timeout, deadline.Token).ConfigureAwait(false);
            SshPublicKey? key = null;
            await transport.StartClientAsync((k, _) =>
            {
                key = k;
                return ValueTask.CompletedTask;
            }, deadline.Token).ConfigureAwait(false);
            return (key, PeerText.Sanitize(transport.RemoteVersion), null);
        }
        catch (Exception e) when (e is SshException or IOException or OperationCanceledException or TimeoutException)
        {
            // A server without a key of this type ends the exchange: no line for it, as ssh-keyscan.
            string? version = null;
            try
            {
                version = transport is null ? null : PeerText.Sanitize(transport.RemoteVersion);
            }
            catch (InvalidOperationException)
            {
                // Not started.
            }
            bool noSuchKey = e is SshProtocolException { Reason: DisconnectReason.KeyExchangeFailed };
            return (null, version is { Length: > 0 } ? version : null, noSuchKey ? null : e is OperationCanceledException ? $"timed out after {timeout.TotalSeconds:0} s" : e.Message);
        }
        finally
        {
            if (transport is not null) await transport.DisposeAsync().ConfigureAwait(false);
            limit.Release();
        }
    }
}
