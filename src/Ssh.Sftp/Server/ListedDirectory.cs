namespace Ssh.Sftp.Server;

/// <summary>A directory whose entries were all listed when it was opened, handed out in READDIR-sized batches.</summary>
internal sealed class ListedDirectory(List<SftpAttributes> entries) : ISftpDirectoryHandle
{
    private const int BatchSize = 128;
    private int _next;

    public ValueTask<IReadOnlyList<SftpAttributes>> ReadAsync(CancellationToken cancellationToken)
    {
        int n = Math.Min(BatchSize, entries.Count - _next);
        List<SftpAttributes> batch = entries.GetRange(_next, n);
        _next += n;
        return ValueTask.FromResult<IReadOnlyList<SftpAttributes>>(batch);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
