using System.Diagnostics;
using NUnit.Framework;
using Ssh.Channels;
using Ssh.Server;
using Ssh.Tests.EndToEnd;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Tests.Server;

/// <summary>The read loop never waits on application code: a <see cref="ServerInterface"/> callback that blocks its
/// thread for seconds stalls neither the other channels of its connection nor a key exchange.</summary>
[TestFixture]
public sealed class SlowCallbackTests
{
    private const int StreamBytes = 50 * 1024 * 1024;

    /// <summary>"exec block" blocks its thread (up to 5 s, or until released); "exec stream" streams 50 MB.</summary>
    private sealed class SlowExec : ServerInterface
    {
        public ManualResetEventSlim Release { get; } = new();
        public TaskCompletionSource BlockEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public volatile bool BlockReturned;

        public override string GetAllowedAuths(string username) => "password";

        public override AuthenticationResult CheckAuthPassword(string username, string password) => AuthenticationResult.Successful;

        public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) => null;

        public override bool CheckChannelExecRequest(Channel channel, string command)
        {
            if (command != "block") return command == "stream";
            BlockEntered.TrySetResult();
            Release.Wait(TimeSpan.FromSeconds(5)); // a synchronous callback that holds its thread
            BlockReturned = true;
            return true;
        }

        public override void OnChannelRequestAccepted(Channel channel, string requestType) => _ = StreamAsync(channel);

        private async Task StreamAsync(Channel channel)
        {
            if (BlockReturned) return;
            byte[] chunk = new byte[256 * 1024];
            for (int sent = 0; sent < StreamBytes; sent += chunk.Length) await channel.SendAllAsync(chunk);
            await channel.SendExitStatusAsync(0);
            await channel.CloseAsync();
        }
    }

    [Test, CancelAfter(30_000)]
    public async Task A_blocked_exec_callback_delays_neither_another_channels_stream_nor_a_rekey(CancellationToken ct)
    {
        var iface = new SlowExec();
        var (serverStream, clientStream) = DuplexPipeStream.CreatePair();
        await using var server = new SshTransport(serverStream);
        server.AddServerKey(Ed25519PrivateKey.Generate());
        Task<string> started = server.StartServerAsync(iface, cancellationToken: ct);
        await using var client = new SshTransport(clientStream);
        await client.StartClientAsync(cancellationToken: ct);
        await client.AuthPasswordAsync("alice", "any", ct);
        await started.WaitAsync(ct);

        Channel blocked = await client.OpenSessionAsync(ct);
        Task blockedExec = blocked.ExecCommandAsync("block", ct);
        await iface.BlockEntered.Task.WaitAsync(ct);

        var clock = Stopwatch.StartNew();
        Channel streaming = await client.OpenSessionAsync(ct);
        await streaming.ExecCommandAsync("stream", ct);
        int keyExchanges = client.KeyExchangeCount;
        Task rekey = client.RenegotiateKeysAsync(ct);
        long received = 0;
        byte[] buffer = new byte[256 * 1024];
        int n;
        while ((n = await streaming.ReadAsync(buffer, ct)) > 0) received += n;
        await rekey;

        Assert.That(received, Is.EqualTo(StreamBytes));
        Assert.That(client.KeyExchangeCount, Is.EqualTo(keyExchanges + 1));
        Assert.That(iface.BlockReturned, Is.False,
            $"the stream and the rekey waited for the blocked callback ({clock.Elapsed.TotalSeconds:0.0} s)");
        Assert.That(blockedExec.IsCompleted, Is.False, "the blocked request was answered before its callback returned");

        iface.Release.Set();
        await blockedExec.WaitAsync(ct);
        Assert.That(iface.BlockReturned, Is.True);
    }
}
