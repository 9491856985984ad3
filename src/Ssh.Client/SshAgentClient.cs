using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Wire;

namespace Ssh.Client;

/// <summary>
/// A client of an ssh-agent (OpenSSH PROTOCOL.agent, draft-miller-ssh-agent) over its Unix socket, or any stream
/// (a forwarded <c>auth-agent@openssh.com</c> channel): lists the keys it holds and asks it to sign, adds keys (with
/// lifetime and confirmation constraints) and certificates, removes them, locks and unlocks it, and sends
/// extension requests. Private keys never leave the agent once added. paramiko's <c>Agent</c>, and ssh-add's verbs.
/// One request at a time; thread-safe.
/// </summary>
public sealed class SshAgentClient : IAsyncDisposable, IDisposable
{
    private const byte AgentFailure = 5;
    private const byte AgentSuccess = 6;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    private const byte AddIdentityRequest = 17;
    private const byte RemoveIdentityRequest = 18;
    private const byte RemoveAllRequest = 19;
    private const byte LockRequest = 22;
    private const byte UnlockRequest = 23;
    private const byte AddIdConstrained = 25;
    private const byte Extension = 27;
    private const byte ExtensionFailure = 28;
    private const byte ExtensionResponse = 29;
    private const byte ConstrainLifetime = 1;
    private const byte ConstrainConfirm = 2;

    /// <summary>The largest agent reply we read (OpenSSH's own limit is 256 KiB).</summary>
    private const int MaxMessage = 256 * 1024;

    private readonly Stream _stream;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private SshAgentClient(Stream stream) => _stream = stream;

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
            return new SshAgentClient(new NetworkStream(socket, ownsSocket: true));
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>An agent reached through <paramref name="stream"/> (a forwarded agent channel, say); disposing the
    /// client disposes the stream.</summary>
    public static SshAgentClient FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new SshAgentClient(stream);
    }

    /// <summary>The keys the agent holds that this library can use (ed25519, ECDSA, RSA and their certificates;
    /// others are left out), each able to sign through the agent, with the agent's comment.</summary>
    /// <exception cref="SshException">The agent answered something else, or went away.</exception>
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

    /// <summary>The blocking twin of <see cref="GetKeysAsync"/> (paramiko's <c>get_keys</c>).</summary>
    public IReadOnlyList<SshPrivateKey> GetKeys() => GetKeysAsync().GetAwaiter().GetResult();

    /// <summary>Asks the agent to sign <paramref name="data"/> with <paramref name="key"/>; returns the signature blob.
    /// For RSA the flags ask for rsa-sha2-256 or rsa-sha2-512 (the default; never SHA-1).</summary>
    /// <exception cref="AuthenticationException">The agent refused (it is locked, the key is not there, or its use was
    /// not confirmed).</exception>
    public async Task<byte[]> SignAsync(SshPublicKey key, ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
        CancellationToken cancellationToken = default)
    {
        // byte 13 ‖ string key blob ‖ string data ‖ uint32 flags; for RSA the flags pick SHA-256 (2) or SHA-512 (4),
        // without them the agent would sign with SHA-1, which servers refuse. Certificates sign with their key's.
        string? plain = signatureAlgorithm is null ? null : SshCertificate.PlainAlgorithm(signatureAlgorithm);
        uint flags = plain switch { "rsa-sha2-256" => 2u, "rsa-sha2-512" => 4u, _ => 0u };
        SshPublicKey signer = key is SshCertificate c ? c.Key : key;
        if (signer is RsaPublicKey && flags == 0 && plain != RsaPublicKey.TypeName) flags = 4;
        byte[] request = new SshBuffer().WriteByte(SignRequest).WriteString(key.GetBlob()).WriteString(data.Span).WriteUInt32(flags).ToArray();
        byte[] reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        if (reply[0] == AgentFailure)
            throw new AuthenticationException($"The ssh-agent refused to sign with {key.KeyType} {key.GetFingerprint()} (locked, not there, or confirmation denied?).");
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

    /// <summary>ssh-add: gives the agent <paramref name="key"/> (or a certified key: the certificate is added with it)
    /// under <paramref name="comment"/> (the key's own by default). <paramref name="lifetime"/> makes the agent forget
    /// it after that long (ssh-add -t); <paramref name="confirm"/> makes it ask before each use (ssh-add -c).</summary>
    /// <exception cref="SshException">The agent refused the key.</exception>
    /// <exception cref="NotSupportedException">The key's private part is not here to give (an agent key).</exception>
    public async Task AddIdentityAsync(SshPrivateKey key, string? comment = null, TimeSpan? lifetime = null, bool confirm = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (lifetime is { } l && (l <= TimeSpan.Zero || l.TotalSeconds > uint.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(lifetime), "A lifetime is a positive number of seconds.");
        bool constrained = lifetime is not null || confirm;
        byte[] privateBlob = key.GetPrivateKeyBlob();
        var request = new SshBuffer(privateBlob.Length + 256).WriteByte(constrained ? AddIdConstrained : AddIdentityRequest)
            .WriteBytes(privateBlob).WriteString(comment ?? key.Comment);
        CryptographicOperations.ZeroMemory(privateBlob);
        if (lifetime is { } life) request.WriteByte(ConstrainLifetime).WriteUInt32((uint)Math.Ceiling(life.TotalSeconds));
        if (confirm) request.WriteByte(ConstrainConfirm);
        byte[] message = request.ToArray();
        request.Clear(zero: true);
        try
        {
            await ExpectSuccessAsync(message, $"add the {key.PublicKey.KeyType} key {key.PublicKey.GetFingerprint()}", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(message);
        }
    }

    /// <summary>The blocking twin of <see cref="AddIdentityAsync"/>.</summary>
    public void AddIdentity(SshPrivateKey key, string? comment = null, TimeSpan? lifetime = null, bool confirm = false) =>
        AddIdentityAsync(key, comment, lifetime, confirm).GetAwaiter().GetResult();

    /// <summary>ssh-add -d: the agent forgets <paramref name="key"/> (a certificate is removed by its own blob).</summary>
    /// <exception cref="SshException">The agent does not hold it, or refused.</exception>
    public Task RemoveIdentityAsync(SshPublicKey key, CancellationToken cancellationToken = default) =>
        ExpectSuccessAsync(new SshBuffer().WriteByte(RemoveIdentityRequest).WriteString(key.GetBlob()).ToArray(),
            $"remove the {key.KeyType} key {key.GetFingerprint()}", cancellationToken);

    /// <summary>The blocking twin of <see cref="RemoveIdentityAsync"/>.</summary>
    public void RemoveIdentity(SshPublicKey key) => RemoveIdentityAsync(key).GetAwaiter().GetResult();

    /// <summary>ssh-add -D: the agent forgets every key.</summary>
    public Task RemoveAllIdentitiesAsync(CancellationToken cancellationToken = default) =>
        ExpectSuccessAsync([RemoveAllRequest], "remove all keys", cancellationToken);

    /// <summary>The blocking twin of <see cref="RemoveAllIdentitiesAsync"/>.</summary>
    public void RemoveAllIdentities() => RemoveAllIdentitiesAsync().GetAwaiter().GetResult();

    /// <summary>ssh-add -x: locks the agent with <paramref name="passphrase"/>; until unlocked it lists no keys and
    /// signs nothing.</summary>
    public Task LockAsync(string passphrase, CancellationToken cancellationToken = default) =>
        ExpectSuccessAsync(PassphraseMessage(LockRequest, passphrase), "lock", cancellationToken);

    /// <summary>The blocking twin of <see cref="LockAsync"/>.</summary>
    public void Lock(string passphrase) => LockAsync(passphrase).GetAwaiter().GetResult();

    /// <summary>ssh-add -X: unlocks the agent.</summary>
    /// <exception cref="SshException">The passphrase is wrong, or the agent is not locked.</exception>
    public Task UnlockAsync(string passphrase, CancellationToken cancellationToken = default) =>
        ExpectSuccessAsync(PassphraseMessage(UnlockRequest, passphrase), "unlock (wrong passphrase, or not locked?)", cancellationToken);

    /// <summary>The blocking twin of <see cref="UnlockAsync"/>.</summary>
    public void Unlock(string passphrase) => UnlockAsync(passphrase).GetAwaiter().GetResult();

    /// <summary>An extension request (PROTOCOL.agent §4.7, e.g. <c>query</c>): the reply's contents after the
    /// success byte, or null when the agent does not support it.</summary>
    public async Task<byte[]?> ExtensionAsync(string name, ReadOnlyMemory<byte> data = default, CancellationToken cancellationToken = default)
    {
        byte[] request = new SshBuffer().WriteByte(Extension).WriteString(name).WriteBytes(data.Span).ToArray();
        byte[] reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        return reply[0] switch
        {
            AgentSuccess or ExtensionResponse => reply[1..],
            AgentFailure or ExtensionFailure => null,
            _ => throw new SshException($"The ssh-agent answered an extension request with message {reply[0]}."),
        };
    }

    private static byte[] PassphraseMessage(byte type, string passphrase)
    {
        byte[] secret = Encoding.UTF8.GetBytes(passphrase);
        byte[] message = new SshBuffer(secret.Length + 8).WriteByte(type).WriteString(secret).ToArray();
        CryptographicOperations.ZeroMemory(secret);
        return message;
    }

    private async Task ExpectSuccessAsync(byte[] request, string what, CancellationToken cancellationToken)
    {
        byte[] reply = await RequestAsync(request, cancellationToken).ConfigureAwait(false);
        if (reply[0] == AgentSuccess) return;
        throw new SshException(reply[0] == AgentFailure
            ? $"The ssh-agent refused to {what}."
            : $"The ssh-agent answered the request to {what} with message {reply[0]}.");
    }

    /// <summary>One request, one reply: uint32 length ‖ message, each way.</summary>
    private async Task<byte[]> RequestAsync(byte[] message, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        byte[] frame = new byte[4 + message.Length];
        try
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
            message.CopyTo(frame, 4);
            await _stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            byte[] header = new byte[4];
            await ReceiveExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length == 0 || length > MaxMessage)
                throw new SshException($"The ssh-agent sent a reply of {length} bytes; that is not a valid agent message.");
            byte[] reply = new byte[length];
            await ReceiveExactlyAsync(reply, cancellationToken).ConfigureAwait(false);
            return reply;
        }
        catch (IOException e) when (e is not SshException)
        {
            throw new SshException("Talking to the ssh-agent failed: " + e.Message, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(frame); // an ADD_IDENTITY frame holds a private key
            _lock.Release();
        }
    }

    private async Task ReceiveExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int n = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new SshException("The ssh-agent closed the connection in the middle of a reply.");
            buffer = buffer[n..];
        }
    }

    /// <summary>Closes the connection to the agent; keys from <see cref="GetKeysAsync"/> can no longer sign.</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>Same as <see cref="Dispose"/>.</summary>
    public async ValueTask DisposeAsync() => await _stream.DisposeAsync().ConfigureAwait(false);

    /// <summary>A key that lives in the agent: signing asks the agent.</summary>
    private sealed class AgentKey(SshAgentClient agent, SshPublicKey publicKey) : SshPrivateKey
    {
        public override SshPublicKey PublicKey { get; } = publicKey;

        /// <summary>The agent signs (and may ask its user to confirm): the server is asked about the key first.</summary>
        public override bool SignsLocally => false;

        public override byte[] Sign(ReadOnlySpan<byte> data, string? signatureAlgorithm = null) =>
            throw new NotSupportedException("An agent key signs through SignAsync: the agent is asked over its socket.");

        public override async ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> data, string? signatureAlgorithm = null,
            CancellationToken cancellationToken = default) =>
            await agent.SignAsync(PublicKey, data, signatureAlgorithm, cancellationToken).ConfigureAwait(false);
    }
}
