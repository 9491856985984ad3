using System.Collections.Concurrent;
using System.Text;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Keys;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Tests.EndToEnd;

/// <summary>
/// The smallest server the end-to-end tests need, built on the library's own session: password and publickey
/// authentication for one user, and "session" channels whose "exec" echoes the command on stdout, writes "ERR"
/// on stderr and exits with 44. A command <c>bulk:N</c> writes N bytes of <see cref="BulkByte"/> instead.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "secret";
    public const int ExitStatus = 44;

    private readonly CancellationTokenSource _stop = new();

    public TestServer(Stream stream, TransportSettings? settings = null, SshPrivateKey? hostKey = null)
    {
        HostKey = hostKey ?? Ed25519PrivateKey.Generate();
        Session = new SshSession(stream, SessionRole.Server, settings ?? new TransportSettings()) { HostKeys = [HostKey] };
        Connection = new ConnectionService(Session) { RequestHandler = new Requests(this) };
        Session.ConnectionHandler = Connection;
        Run = RunAsync(_stop.Token);
    }

    public SshPrivateKey HostKey { get; }
    public SshSession Session { get; }
    public ConnectionService Connection { get; }

    /// <summary>The handshake and the authentication loop; faults with what ended them.</summary>
    public Task Run { get; }

    /// <summary>Public keys that may log in as <see cref="User"/>.</summary>
    public List<SshPublicKey> AuthorizedKeys { get; } = [];

    /// <summary>Every USERAUTH_REQUEST method seen, in order.</summary>
    public ConcurrentQueue<string> AuthAttempts { get; } = new();

    /// <summary>Commands run, and the channels they ran on (server side).</summary>
    public ConcurrentQueue<Channel> ExecChannels { get; } = new();

    public static byte BulkByte(long index) => (byte)(index * 7 + (index >> 13));

    private async Task RunAsync(CancellationToken ct)
    {
        await Session.StartAsync(ct);
        while (!Session.IsAuthenticated)
        {
            byte[] message = await Session.ReceiveServiceMessageAsync(ct);
            switch ((MessageNumber)message[0])
            {
                case MessageNumber.ServiceRequest:
                    string service = ServiceMessage.Read(message).ServiceName;
                    if (service != "ssh-userauth")
                        throw new SshProtocolException(DisconnectReason.ServiceNotAvailable, $"No service {service}.");
                    await Session.SendAsync(new ServiceMessage(MessageNumber.ServiceAccept, service), ct);
                    break;
                case MessageNumber.UserauthRequest:
                    await OnUserauthRequestAsync(UserauthRequestMessage.Read(message), message, ct);
                    break;
                default:
                    throw new SshProtocolException(DisconnectReason.ProtocolError, $"Unexpected message {message[0]} during authentication.");
            }
        }
    }

    private async Task OnUserauthRequestAsync(UserauthRequestMessage request, byte[] payload, CancellationToken ct)
    {
        AuthAttempts.Enqueue(request.Method);
        var r = new SshReader(request.MethodFields.Span);
        bool success = false;
        if (request.User == User && request.Service == "ssh-connection")
        {
            switch (request.Method)
            {
                case "password":
                    r.ReadBoolean();
                    success = r.ReadString() == Password;
                    break;
                case "publickey":
                case "publickey-hostbound-v00@openssh.com": // the library's session announces it (OpenSSH PROTOCOL §2.5)
                    bool signed = r.ReadBoolean();
                    string algorithm = r.ReadString();
                    byte[] blob = r.ReadBinaryString();
                    if (request.Method != "publickey" && !r.ReadStringBytes().SequenceEqual(Session.HostKeyBlob)) break;
                    SshPublicKey? key = AuthorizedKeys.FirstOrDefault(k => k.GetBlob().AsSpan().SequenceEqual(blob));
                    if (key is null || key.KeyType != algorithm) break;
                    if (!signed)
                    {
                        await Session.SendAsync(new UserauthPkOkMessage(algorithm, blob), ct);
                        return;
                    }
                    // RFC 4252 §7: the signature covers string session_id ‖ the request up to the signature.
                    int signedLength = payload.Length - r.Remaining;
                    byte[] signature = r.ReadBinaryString();
                    byte[] data = new SshBuffer().WriteString(Session.SessionId!).WriteBytes(payload.AsSpan(0, signedLength)).ToArray();
                    success = key.Verify(data, signature);
                    break;
            }
        }
        if (success)
        {
            Session.MarkAuthenticated();
            await Session.SendAsync(new EmptyMessage(MessageNumber.UserauthSuccess), ct);
        }
        else
        {
            await Session.SendAsync(new UserauthFailureMessage(["password", "publickey"], false), ct);
        }
    }

    /// <summary>Session channels whose "exec" runs <see cref="ExecAsync"/>; everything else refused.</summary>
    private sealed class Requests(TestServer server) : IConnectionRequestHandler
    {
        public ValueTask<ChannelOpenDecision> DecideChannelOpenAsync(ChannelOpenRequest open, CancellationToken ct) =>
            ValueTask.FromResult(open.ChannelType == "session"
                ? ChannelOpenDecision.Accept()
                : ChannelOpenDecision.Refuse(ChannelOpenFailureReason.UnknownChannelType, "Only session channels."));

        public ValueTask<bool> DecideChannelRequestAsync(Channel channel, ChannelRequest request, CancellationToken ct) =>
            ValueTask.FromResult(request.RequestType == "exec");

        public void OnChannelRequestAccepted(Channel channel, ChannelRequest request)
        {
            string command = new SshReader(request.Data.Span).ReadString();
            server.ExecChannels.Enqueue(channel);
            _ = Task.Run(() => ExecAsync(channel, command, server._stop.Token));
        }

        public ValueTask<byte[]?> DecideGlobalRequestAsync(GlobalRequest request, CancellationToken ct) => ValueTask.FromResult<byte[]?>(null);

        public void OnGlobalRequestAnswered(GlobalRequest request, bool accepted) { }
    }

    private static async Task ExecAsync(Channel channel, string command, CancellationToken ct)
    {
        try
        {
            if (command.StartsWith("bulk:", StringComparison.Ordinal))
            {
                long total = long.Parse(command[5..]);
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < total;)
                {
                    int n = (int)Math.Min(chunk.Length, total - sent);
                    for (int i = 0; i < n; i++) chunk[i] = BulkByte(sent + i);
                    await channel.SendAllAsync(chunk.AsMemory(0, n), ct);
                    sent += n;
                }
            }
            else
            {
                await channel.SendAllAsync(Encoding.UTF8.GetBytes(command), ct);
                await channel.SendAllStderrAsync("ERR"u8.ToArray(), ct);
            }
            await channel.SendExitStatusAsync(ExitStatus, ct);
            await channel.ShutdownWriteAsync(ct);
            await channel.CloseAsync(ct);
        }
        catch (Exception e) when (e is SshException or OperationCanceledException)
        {
            // The client went away; nothing to report to.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Session.DisposeAsync();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Tests that care look at Run themselves.
        }
    }
}
