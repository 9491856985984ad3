using Ssh.Sftp;
using Ssh.Sftp.Server;
using Ssh.Tests.EndToEnd;

namespace Ssh.Tests.Sftp;

/// <summary>Our SFTP client and server subsystem over a buffered in-memory duplex stream (no SSH underneath).</summary>
internal sealed class SftpPair : IAsyncDisposable
{
    private SftpPair(SftpClient client, Task server, DuplexPipeStream serverStream, List<string> log)
    {
        Client = client;
        Server = server;
        ServerStream = serverStream;
        Log = log;
    }

    public SftpClient Client { get; }

    /// <summary>The server session; completes when the session ends.</summary>
    public Task Server { get; }

    public DuplexPipeStream ServerStream { get; }

    /// <summary>What the server logged.</summary>
    public List<string> Log { get; }

    public static async Task<SftpPair> StartAsync(ISftpFileSystem fileSystem, CancellationToken ct, SftpServerOptions? options = null)
    {
        var (clientStream, serverStream) = DuplexPipeStream.CreatePair();
        var log = new List<string>();
        options ??= new SftpServerOptions();
        options = new SftpServerOptions
        {
            MaxRequestsInFlight = options.MaxRequestsInFlight, MaxOpenHandles = options.MaxOpenHandles, MaxPacketLength = options.MaxPacketLength,
            Log = line => { lock (log) log.Add(line); },
        };
        Task server = Task.Run(() => SftpServer.RunAsync(serverStream, fileSystem, options, ct), ct);
        SftpClient client = await SftpClient.FromStreamAsync(clientStream, ct);
        return new SftpPair(client, server, serverStream, log);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await ServerStream.DisposeAsync();
        await Server.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
