using Ssh.Transport;
using Ssh.Transport.Keys;

namespace Ssh.Client;

/// <summary>paramiko's MissingHostKeyPolicy: what to do with a server whose host key is not on record. Throw to
/// refuse the connection; return to accept it.</summary>
public interface IMissingHostKeyPolicy
{
    /// <summary>Called during <see cref="SshClient.Connect"/> when neither the system nor the client's own host keys
    /// know <paramref name="hostname"/> (a key of another type on record does not count; a changed key is a
    /// <see cref="BadHostKeyException"/> before this is reached).</summary>
    /// <param name="client">The client that is connecting, e.g. to add the key to <see cref="SshClient.GetHostKeys"/>.</param>
    /// <param name="hostname">The host as known_hosts names it: <c>host</c>, or <c>[host]:port</c> off port 22.</param>
    /// <param name="key">The host key the server presented, which it has proved it holds (for a host certificate whose
    /// CA is not on record, the certified key).</param>
    /// <exception cref="SshException">Thrown (any exception will do) to refuse the server; the connection is closed.</exception>
    void MissingHostKey(SshClient client, string hostname, SshPublicKey key);
}

/// <summary>Refuses unknown servers (the default, as in paramiko).</summary>
public sealed class RejectPolicy : IMissingHostKeyPolicy
{
    /// <summary>Throws an <see cref="SshException"/> naming the host and the key's fingerprint.</summary>
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key) =>
        throw new SshException(
            $"Server {hostname} is not in known_hosts (its {key.KeyType} key is {key.GetFingerprint()}). " +
            "Add it with ssh-keyscan, load the right known_hosts file, or use AutoAddPolicy for hosts you trust.");
}

/// <summary>Accepts unknown servers and records their keys (saved when the client has a host keys file).</summary>
public sealed class AutoAddPolicy : IMissingHostKeyPolicy
{
    /// <summary>Adds the key to the client's host keys (hashed when <see cref="HostKeys.HashHostNames"/>) and saves them
    /// to <see cref="SshClient.HostKeysFilename"/> when set.</summary>
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key)
    {
        client.GetHostKeys().Add(hostname, key.KeyType, key);
        if (client.HostKeysFilename is { } file) client.SaveHostKeys(file);
    }
}

/// <summary>Accepts unknown servers with a warning on standard error (like Python's warnings module in paramiko).</summary>
public sealed class WarningPolicy : IMissingHostKeyPolicy
{
    /// <summary>Writes the host and the key's fingerprint to standard error; the key is not recorded.</summary>
    public void MissingHostKey(SshClient client, string hostname, SshPublicKey key) =>
        Console.Error.WriteLine($"Warning: unknown {key.KeyType} host key for {hostname}: {key.GetFingerprint()}");
}
