using System.Text;
using Ssh.Client;
using Ssh.Channels;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.InteropTests.Client;

/// <summary>Connects our client to a <see cref="ServerTarget"/> and runs commands.</summary>
internal static class ClientTestSupport
{
    /// <summary>A client connected with the target's key; the target's host key is trusted through a known_hosts
    /// file written for it (or auto-added for an external server whose key we were not told).</summary>
    public static async Task<SshClient> ConnectAsync(ServerTarget target, TransportSettings? settings = null,
        bool usePassword = false, CancellationToken cancellationToken = default)
    {
        var client = new SshClient { Settings = settings ?? new TransportSettings() };
        TrustHostKey(client, target);
        if (usePassword)
            await client.ConnectAsync(target.Host, target.Port, target.UserName, password: target.RequirePassword(),
                lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        else
            await client.ConnectAsync(target.Host, target.Port, target.UserName, keyFilename: [target.KeyPath],
                lookForKeys: false, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
        return client;
    }

    public static void TrustHostKey(SshClient client, ServerTarget target)
    {
        if (target.HostPublicKey is { } line)
        {
            SshPublicKey key = PublicKeyFile.ParseLine(line).Key;
            client.GetHostKeys().Add(HostKeyName(target), key.KeyType, key);
            client.SetMissingHostKeyPolicy(new RejectPolicy());
        }
        else
        {
            client.SetMissingHostKeyPolicy(new AutoAddPolicy());
        }
    }

    public static string HostKeyName(ServerTarget target) => target.Port == 22 ? target.Host : $"[{target.Host}]:{target.Port}";

    public sealed record ExecResult(int ExitCode, byte[] Stdout, string Stderr)
    {
        public string StdoutText => Encoding.UTF8.GetString(Stdout);
    }

    /// <summary>Runs a command, feeding <paramref name="stdin"/>, reading stdout and stderr concurrently.</summary>
    public static async Task<ExecResult> ExecAsync(SshClient client, string command, byte[]? stdin = null, CancellationToken cancellationToken = default)
    {
        var (input, output, error) = await client.ExecCommandAsync(command, cancellationToken: cancellationToken);
        Task feed = Task.Run(async () =>
        {
            if (stdin is not null) await input.WriteAsync(stdin, cancellationToken);
            await input.CloseAsync(cancellationToken);
        }, cancellationToken);
        Task<byte[]> stdout = output.ReadAsync(-1, cancellationToken);
        Task<string> stderr = error.ReadToEndAsync(cancellationToken);
        await Task.WhenAll(feed, stdout, stderr);
        int status = await output.Channel.RecvExitStatusAsync(cancellationToken);
        await output.Channel.CloseAsync(cancellationToken);
        return new ExecResult(status, await stdout, await stderr);
    }
}
