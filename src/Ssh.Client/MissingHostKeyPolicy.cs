using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Client;

/// <summary>paramiko's MissingHostKeyPolicy: what to do with a server whose host key is not on record. Throw to
/// refuse the connection; return to accept it.</summary>
public interface IMissingHostKeyPolicy
{
    void MissingHostKey(SshClient client, string hostname, SshPublicKey key);
}

/// <summary>Refuses unknown servers (the default, as in paramiko).</summary>
public sealed class RejectPolicy : IMissingHostKeyPolicy
{
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key) =>
        throw new SshException(
            $"Server {hostname} is not in known_hosts (its {key.KeyType} key is {key.GetFingerprint()}). " +
            "Add it with ssh-keyscan, load the right known_hosts file, or use AutoAddPolicy for hosts you trust.");
}

/// <summary>Accepts unknown servers and records their keys (saved when the client has a host keys file).</summary>
public sealed class AutoAddPolicy : IMissingHostKeyPolicy
{
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key)
    {
        client.GetHostKeys().Add(hostname, key.KeyType, key);
        if (client.HostKeysFilename is { } file) client.SaveHostKeys(file);
    }
}

/// <summary>Accepts unknown servers with a warning on standard error (like Python's warnings module in paramiko).</summary>
public sealed class WarningPolicy : IMissingHostKeyPolicy
{
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key) =>
        Console.Error.WriteLine($"Warning: unknown {key.KeyType} host key for {hostname}: {key.GetFingerprint()}");
}
