namespace Ssh.Sftp.Server;

/// <summary>Limits and logging of one SFTP server session; each bounds what one client can make the server hold.</summary>
public sealed class SftpServerOptions
{
    /// <summary>Requests handled at once; the server reads no further request until one finishes, so flow control
    /// holds the client back (and memory stays below this many packets).</summary>
    public int MaxRequestsInFlight { get; init; } = 64;

    /// <summary>Files and directories open at once; one more OPEN fails with SSH_FX_FAILURE.</summary>
    public int MaxOpenHandles { get; init; } = 256;

    /// <summary>The longest request accepted (OpenSSH's limit: 256 KiB); a longer one ends the session.</summary>
    public int MaxPacketLength { get; init; } = 256 * 1024;

    /// <summary>Where the session writes what went wrong (a malformed packet, an unexpected error), one line each.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// The SFTP server subsystem (version 3, draft-ietf-secsh-filexfer-02, with OpenSSH's extensions): serves an
/// <see cref="ISftpFileSystem"/> over a channel's stream. Requests run asynchronously and in parallel where the
/// draft allows it (see <see cref="SftpRequestScheduler"/>), so one slow disk read never stalls the others; the
/// number in flight, the open handles and the packet length are bounded by <see cref="SftpServerOptions"/>. A
/// malformed packet ends this session only, with a log line.
/// </summary>
public static class SftpServer
{
    /// <summary>Serves <paramref name="fileSystem"/> on <paramref name="stream"/> until the client closes it, the
    /// client breaks the protocol, or <paramref name="cancellationToken"/> fires. Open handles are closed on the way
    /// out. Does not close the stream.</summary>
    public static async Task RunAsync(Stream stream, ISftpFileSystem fileSystem, SftpServerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileSystem);
        await using var session = new SftpServerSession(stream, fileSystem, options ?? new SftpServerOptions());
        await session.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
