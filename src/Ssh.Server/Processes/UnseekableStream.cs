using System.Runtime.Versioning;

namespace Ssh.Server.Processes;

/// <summary>What a stream over a pty master or a pipe does not do: seek, have a length, or buffer (Flush is a no-op).</summary>
[SupportedOSPlatform("linux")]
internal abstract class UnseekableStream : Stream
{
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
