using System.Buffers;
using System.IO.Pipelines;
using Ssh.Transport;
using Ssh.Transport.Session;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// <see cref="VersionExchange.ReceiveAsync"/>, the identification line of RFC 4253 §4.2, over an in-memory pipe
/// whose reader continues inline. The first byte chooses the side (bit 0 set: a client reading a server, which may
/// send lines before its version) and how the rest arrives: in pieces of 1, 7 or 64 bytes, or all at once, each
/// piece flushed while the read is pending. Then the pipe is completed, as a peer that closes.
/// </summary>
internal static class VersionLineTarget
{
    public static FuzzTarget Create() =>
        new("version-line", "VersionExchange.ReceiveAsync (RFC 4253 §4.2), client and server side", Run, typeof(SshException));

    private static readonly int[] PieceSizes = [1, 7, 64, int.MaxValue];

    private static void Run(byte[] input)
    {
        var fuzz = new FuzzInput(input);
        byte mode = fuzz.Byte();
        bool allowPreamble = (mode & 1) != 0;
        int piece = PieceSizes[(mode >> 1) & 3];
        byte[] rest = fuzz.Rest.ToArray();

        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false));
        Task<string> line = VersionExchange.ReceiveAsync(pipe.Reader, allowPreamble, CancellationToken.None).AsTask();
        for (int offset = 0; offset < rest.Length && !line.IsCompleted; offset += piece)
        {
            int count = Math.Min(piece, rest.Length - offset);
            pipe.Writer.Write(rest.AsSpan(offset, count));
            pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
        pipe.Writer.Complete();
        // A read still pending once the input ended is a hang: WaitAsync's TimeoutException is a finding.
        string version = line.WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        if (!version.StartsWith("SSH-", StringComparison.Ordinal))
            throw new InvalidOperationException($"ReceiveAsync returned '{version}', which is no version line.");
    }
}
