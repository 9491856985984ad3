using System.Buffers.Binary;
using System.Text;
using Ssh.Sftp;
using Ssh.Sftp.Server;

namespace Ssh.Fuzz.Targets;

/// <summary>
/// SFTP's packet codec (draft-ietf-secsh-filexfer-02) from both ends: the server reading a client's requests, and the
/// client reading a server's replies. Each input is the whole byte stream from the peer after the version
/// handshake (the harness supplies the INIT or VERSION), length headers included, so the length checks are fuzzed
/// too; a peer that ends early or stops answering must end the session, never hang it.
/// </summary>
internal static class SftpTargets
{
    public static IEnumerable<FuzzTarget> All()
    {
        yield return new("sftp-server-requests", "SftpServer: a client's requests after INIT, against an in-memory file system",
            ServerRequests, typeof(SftpException));
        yield return new("sftp-client-replies", "SftpClient: a server's VERSION and replies to stat, realpath, listdir and open/read",
            ClientReplies, typeof(IOException), typeof(UnauthorizedAccessException));
    }

    /// <summary>SSH_FXP_INIT, version 3.</summary>
    public static readonly byte[] Init = Packet(1, [0, 0, 0, 3]);

    /// <summary>SSH_FXP_VERSION 3 with OpenSSH's limits@openssh.com, so the client's transfer path is the one it
    /// takes against a real server.</summary>
    public static readonly byte[] Version = Packet(2, [0, 0, 0, 3, .. String("limits@openssh.com"), .. String("1")]);

    private static void ServerRequests(byte[] input)
    {
        var fileSystem = new MemoryFileSystem();
        var stream = new ScriptedStream((0, [.. Init, .. input]));
        SftpServer.RunAsync(stream, fileSystem).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
    }

    private static void ClientReplies(byte[] input)
    {
        var stream = new ScriptedStream((1, Version), (2, input)); // VERSION after INIT; the rest after the first request
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        SftpClient client = SftpClient.FromStreamAsync(stream, deadline.Token).WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        using (client)
        {
            // Each call is a request the input may answer well, badly or not at all; a wrong answer fails that call
            // (and may end the session), and the next call finds out.
            Attempt(() => client.StatAsync("/file", deadline.Token));
            Attempt(() => client.NormalizeAsync(".", deadline.Token));
            Attempt(() => client.ListDirAsync("/", deadline.Token));
            Attempt(async () =>
            {
                await using SftpFile file = await client.OpenAsync("/file", "r", cancellationToken: deadline.Token);
                byte[] buffer = new byte[4096];
                _ = await file.ReadAsync(buffer, deadline.Token); // what comes back is the input's business
            });
        }
    }

    private static void Attempt(Func<Task> call)
    {
        try
        {
            // Past the deadline the token fails the call: a client still waiting for an answer the input never gave
            // surfaces as OperationCanceledException, a finding.
            call().WaitAsync(TimeSpan.FromSeconds(11)).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The documented failures (SftpException and its kinds: FileNotFoundException, UnauthorizedAccessException
            // for PERMISSION_DENIED; a lost connection): the next call goes on.
        }
    }

    // SFTP framing (draft-02 §3): uint32 length ‖ byte type ‖ data; strings are uint32 length ‖ bytes.
    public static byte[] Packet(byte type, byte[] data)
    {
        byte[] packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = type;
        data.CopyTo(packet, 5);
        return packet;
    }

    public static byte[] String(string value) => String(Encoding.UTF8.GetBytes(value));

    public static byte[] String(byte[] value) => [.. UInt32((uint)value.Length), .. value];

    public static byte[] UInt32(uint value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] UInt64(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>Seeds for both targets: a short session of each kind of request, and the replies a real server gives
    /// to the client's calls above.</summary>
    public static IEnumerable<(string Target, string Name, byte[] Data)> Seeds()
    {
        byte[] noAttributes = UInt32(0);
        byte[] handle = String([0, 0, 0, 1]);
        yield return ("sftp-server-requests", "write-read-close", [
            .. Packet(3, [.. UInt32(1), .. String("/f"), .. UInt32(0x1A), .. noAttributes]),           // OPEN create|write|trunc
            .. Packet(6, [.. UInt32(2), .. handle, .. UInt64(0), .. String("hello")]),              // WRITE
            .. Packet(5, [.. UInt32(3), .. handle, .. UInt64(0), .. UInt32(100)]),                  // READ
            .. Packet(4, [.. UInt32(4), .. handle]),                                                // CLOSE
        ]);
        yield return ("sftp-server-requests", "paths", [
            .. Packet(14, [.. UInt32(1), .. String("/d"), .. noAttributes]),                        // MKDIR
            .. Packet(17, [.. UInt32(2), .. String("/d")]),                                         // STAT
            .. Packet(16, [.. UInt32(3), .. String("/d/../d/.")]),                                  // REALPATH
            .. Packet(11, [.. UInt32(4), .. String("/")]),                                          // OPENDIR
            .. Packet(12, [.. UInt32(5), .. handle]),                                               // READDIR
            .. Packet(18, [.. UInt32(6), .. String("/d"), .. String("/e")]),                        // RENAME
            .. Packet(15, [.. UInt32(7), .. String("/e")]),                                         // RMDIR
        ]);
        yield return ("sftp-server-requests", "extended", [
            .. Packet(200, [.. UInt32(1), .. String("statvfs@openssh.com"), .. String("/")]),
            .. Packet(200, [.. UInt32(2), .. String("posix-rename@openssh.com"), .. String("/a"), .. String("/b")]),
            .. Packet(200, [.. UInt32(3), .. String("limits@openssh.com")]),
        ]);

        byte[] attributes = [.. UInt32(0x0F), .. UInt64(5), .. UInt32(0), .. UInt32(0), .. UInt32(0x81A4), .. UInt32(0), .. UInt32(0)];
        byte[] name = [.. UInt32(1), .. String("/home"), .. String("drwxr-xr-x 2 0 0 0 Jan 1 1970 home"), .. attributes];
        yield return ("sftp-client-replies", "answers", [
            .. Packet(105, [.. UInt32(1), .. attributes]),                                          // ATTRS for stat
            .. Packet(104, [.. UInt32(2), .. name]),                                                // NAME for realpath
            .. Packet(102, [.. UInt32(3), .. handle]),                                              // HANDLE for opendir
            .. Packet(104, [.. UInt32(4), .. name]),                                                // NAME for readdir
            .. Packet(101, [.. UInt32(5), .. UInt32(1), .. String("EOF"), .. String("")]),          // STATUS eof
            .. Packet(101, [.. UInt32(6), .. UInt32(0), .. String(""), .. String("")]),             // STATUS ok for close
        ]);
        yield return ("sftp-client-replies", "errors", [
            .. Packet(101, [.. UInt32(1), .. UInt32(2), .. String("No such file"), .. String("en")]),
            .. Packet(101, [.. UInt32(2), .. UInt32(3), .. String("Permission denied"), .. String("en")]),
        ]);
    }

    /// <summary>The peer's bytes in chunks, then end of stream; what we write goes nowhere. Each chunk is readable only
    /// once that many writes have come, as a real peer's answer cannot come before its request: without that, a
    /// reply read before its request was registered would be a protocol error of the harness's making.</summary>
    private sealed class ScriptedStream(params (int AfterWrites, byte[] Bytes)[] script) : Stream
    {
        private readonly SemaphoreSlim _written = new(0);
        private int _writes;
        private int _chunk;
        private int _offset;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_chunk < script.Length && _offset == script[_chunk].Bytes.Length) (_chunk, _offset) = (_chunk + 1, 0);
            if (_chunk == script.Length) return 0;
            while (Volatile.Read(ref _writes) < script[_chunk].AfterWrites) await _written.WaitAsync(cancellationToken);
            byte[] bytes = script[_chunk].Bytes;
            int n = Math.Min(buffer.Length, bytes.Length - _offset);
            bytes.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            _written.Release();
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
