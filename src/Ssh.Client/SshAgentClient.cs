using System.Buffers.Binary;
using System.Net.Sockets;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Wire;

namespace Ssh.Client;

/// <summary>
/// A client of a running ssh-agent (OpenSSH PROTOCOL.agent, draft-miller-ssh-agent) over its Unix socket: lists
/// the keys it holds and asks it to sign. Private keys never leave the agent. paramiko's <c>Agent</c>.
/// </summary>
public sealed class SshAgentClient : IAsyncDisposable, IDisposable
{
    private const byte AgentFailure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;

    /// <summary>The largest agent reply we read (OpenSSH's own limit is 256 KiB).</summary>
    private const int MaxMessage = 256 * 1024;

    private readonly Socket _socket;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private SshAgentClient(Socket socket) => _socket = socket;

    /// <summary>Connects to the agent at <paramref name="socketPath"/> (default: <c>$SSH_AUTH_SOCK</c>); null when
    /// there is no agent to talk to.</summary>
    public static async Task<SshAgentClient?> ConnectAsync(string? socketPath = null, CancellationToken cancellationToken = default)
    {
        socketPath ??= Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        if (string.IsNullOrEmpty(socketPath) || !File.Exists(socketPath)) return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new SshAgentClient(socket);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>The keys the agent holds that this library can use (ed25519, ECDSA, RSA; others are left out).</summary>
    public async Task<IReadOnlyList<SshPrivateKey>> GetKeysAsync(CancellationToken cancellationToken = default)
    {
        byte[] reply = await RequestAsync([RequestIdentities], cancellationToken).ConfigureAwait(false);
        if (reply[0] != IdentitiesAnswer)
            throw new SshException($"The ssh-agent answered the key list request with message {reply[0]}.");
        try
        {
            var r = new SshReader(reply.AsSpan(1));
            uint count = r.ReadUInt32();
            var keys = new List<SshPrivateKey>();
            for (uint i = 0; i < count; i++)
            {
                byte[] blob = r.ReadBinaryString();
                string comment = r.ReadString();
                try
                {
                    keys.Add(new AgentKey(this, SshPublicKey.FromBlob(blob)) { Comment = comment });
                }
                catch (Exception e) when (e is FormatException or NotSupportedException)
                {
                    // A key type we cannot use yet: skip it, as OpenSSH skips keys it cannot use.
                }
            }
            return keys;
        }
        catch (SshProtocolException e)
        {
            throw new SshException("The ssh-agent's key list is malformed: " + e.Message, e);
        }
    }

    internal async ValueTask<byte[]> SignAsync(SshPublicKey key, ReadOnlyMemory<byte> data, string? signatureAlgorithm, CancellationToken cancellationToken)
    {
        // byte 13 ‖ string key blob ‖ string data ‖ uint32 flags; for RSA the flags pick SHA-256 (2) or SHA-512 (4),
        // without them the agent would sign with SHA-1, which servers refuse.
        uint flags = signatureAlgorithm switch { "rsa-sha2-256" => 2u, "rsa-sha2-512" => 4u, _ => 0u };
        if (key is RsaPublicKey && flags == 0) flags = 4;
        byte[] request = new SshBuffer().WriteByte(SignRequest).WriteString(key.GetBlob()).WriteString(data.Span).WriteUInt32(flags).ToArray();
        byte[] reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        if (reply[0] == AgentFailure)
            throw new AuthenticationException($"The ssh-agent refused to sign with {key.KeyType} {key.GetFingerprint()} (locked, or confirmation denied?).");
        if (reply[0] != SignResponse)
            throw new SshException($"The ssh-agent answered a sign request with message {reply[0]}.");
        try
        {
            var r = new SshReader(reply.AsSpan(1));
            return r.ReadBinaryString();
        }
        catch (SshProtocolException e)
        {
            throw new SshException("The ssh-agent's signature is malformed: " + e.Message, e);
        }
    }

    /// <summary>One request, one reply: uint32 length ‖ message, each way.</summary>
    private async Task<byte[]> RequestAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] frame = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
            message.CopyTo(frame, 4);
            await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);

            byte[] header = new byte[4];
            await ReceiveExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length == 0 || length > MaxMessage)
                throw new SshException($"The ssh-agent sent a reply of {length} bytes; that is not a valid agent message.");
            byte[] reply = new byte[length];
            await ReceiveExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
            return reply;
        }
        catch (SocketException e)
        {
            throw new SshException("Talking to the ssh-agent failed: " + e.Message, e);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task ReceiveExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new SshException("The ssh-agent closed the connection in the middle of a reply.");
            buffer = buffer[n..];
        }
    }

    /// <summary>Closes the connection to the agent; keys from <see cref="GetKeysAsync"/> can no longer sign.</summary>
    public void Dispose() => _socket.Dispose();

    /// <summary>Same as <see cref="Dispose"/>.</summary>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A key that lives in the agent: signing asks the agent.</summary>
    private sealed class AgentKey(SshAgentClient agent, SshPublicKey publicKey) : SshPrivateKey
    {
        public override SshPublicKey PublicKey { get; } = publicKey;

        public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null) =>
            throw new NotSupportedException("An agent key signs through SignAsync: the agent is asked over its socket.");

        public override ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
            CancellationToken cancellationToken = default) =>
            agent.SignAsync(PublicKey, data, signatureAlgorithm, cancellationToken);
    }
}
