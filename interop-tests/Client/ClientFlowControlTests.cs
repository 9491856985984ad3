using NUnit.Framework;
using Ssh.Channels;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;

namespace Ssh.InteropTests.Client;

/// <summary>The exec deadlock paramiko and SSH.NET users meet: a command filling stdout and stderr at once, read
/// in any order, must complete with memory bounded by the window.</summary>
[TestFixture]
public sealed class ClientFlowControlTests : SharedServerFixture
{
    private const int TimeoutMs = 180_000;
    private const long Size = 100_000_000;
    private const string BothStreams = "head -c 100000000 /dev/zero & head -c 100000000 /dev/zero >&2; wait";

    public enum ReadOrder
    {
        StdoutThenStderr,
        StderrThenStdout,
        ExitStatusFirst,
    }

    [TestCase(ReadOrder.StdoutThenStderr)]
    [TestCase(ReadOrder.StderrThenStdout)]
    [TestCase(ReadOrder.ExitStatusFirst)]
    [CancelAfter(TimeoutMs)]
    public async Task Hundred_megabytes_on_each_stream_complete_in_any_read_order(ReadOrder order, CancellationToken cancellationToken)
    {
        await using SshClient client = await ClientTestSupport.ConnectAsync(Target, cancellationToken: cancellationToken);
        using var memory = new PeakManagedMemory();

        var (_, stdout, stderr) = await client.ExecCommandAsync(BothStreams, cancellationToken: cancellationToken);
        long outBytes, errBytes;
        int status;
        switch (order)
        {
            case ReadOrder.StdoutThenStderr:
                outBytes = await CountAsync(stdout, cancellationToken);
                errBytes = await CountAsync(stderr, cancellationToken);
                status = await stdout.Channel.RecvExitStatusAsync(cancellationToken);
                break;
            case ReadOrder.StderrThenStdout:
                errBytes = await CountAsync(stderr, cancellationToken);
                outBytes = await CountAsync(stdout, cancellationToken);
                status = await stdout.Channel.RecvExitStatusAsync(cancellationToken);
                break;
            default:
                status = await stdout.Channel.RecvExitStatusAsync(cancellationToken);
                outBytes = await CountAsync(stdout, cancellationToken);
                errBytes = await CountAsync(stderr, cancellationToken);
                break;
        }

        Assert.That(status, Is.EqualTo(0));
        Assert.That(outBytes, Is.EqualTo(Size));
        Assert.That(errBytes, Is.EqualTo(Size));
        long peak = memory.PeakAboveBaseline;
        TestContext.Out.WriteLine($"{order}: peak managed memory {peak / 1048576.0:0.0} MiB above baseline");
        Assert.That(peak, Is.LessThan(16L << 20), "managed memory must stay bounded by the window, not the output");
    }

    private static async Task<long> CountAsync(ChannelFile file, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await file.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0) total += n;
        return total;
    }

    /// <summary>Samples the managed heap every few milliseconds and keeps the peak above the starting size.</summary>
    private sealed class PeakManagedMemory : IDisposable
    {
        private readonly long _baseline;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampler;
        private long _peak;

        public PeakManagedMemory()
        {
            _baseline = GC.GetTotalMemory(forceFullCollection: true);
            _sampler = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    long now = GC.GetTotalMemory(false);
                    if (now > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, now);
                    try
                    {
                        await Task.Delay(5, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            });
        }

        public long PeakAboveBaseline => Math.Max(0, Interlocked.Read(ref _peak) - _baseline);

        public void Dispose()
        {
            _stop.Cancel();
            _sampler.Wait();
        }
    }
}
