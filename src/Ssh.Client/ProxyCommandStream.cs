using System.Diagnostics;

namespace Ssh.Client;

/// <summary>ssh_config's <c>ProxyCommand</c> (and paramiko's <c>ProxyCommand</c>): a command run by <c>/bin/sh</c>
/// whose standard input and output are the connection; its standard error passes through to ours, as ssh lets it.
/// Disposing closes its input and, if it has not exited within a second, kills it and its children.</summary>
public sealed class ProxyCommandStream : Stream
{
    private readonly Process _process;
    private readonly Stream _input;
    private readonly Stream _output;
    private int _disposed;

    /// <summary>Starts <paramref name="command"/> (already token-expanded) with <c>/bin/sh -c "exec COMMAND"</c>.</summary>
    /// <exception cref="IOException">The shell cannot be started.</exception>
    public ProxyCommandStream(string command)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        Command = command;
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec " + command);
        try
        {
            _process = Process.Start(start) ?? throw new IOException($"ProxyCommand '{command}' did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"ProxyCommand '{command}' cannot be started: {e.Message}", e);
        }
        _input = _process.StandardInput.BaseStream;
        _output = _process.StandardOutput.BaseStream;
    }

    /// <summary>The command as run.</summary>
    public string Command { get; }

    /// <summary>The process id of the command (for logs).</summary>
    public int ProcessId => _process.Id;

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => _output.Read(buffer, offset, count);

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _output.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        _input.Write(buffer, offset, count);
        _input.Flush();
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _input.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await _input.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Flush() => _input.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => _input.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Closes the command's input and stops it.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                _input.Dispose();
            }
            catch (IOException)
            {
                // It exited already.
            }
            try
            {
                if (!_process.WaitForExit(1000)) _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Gone.
            }
            _output.Dispose();
            _process.Dispose();
        }
        base.Dispose(disposing);
    }
}
