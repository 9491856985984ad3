using System.Buffers;
using System.Buffers.Binary;
using Ssh.Sftp.Protocol;
using Scope = Ssh.Sftp.Server.SftpRequestScheduler.Scope;
using ScheduledRequest = Ssh.Sftp.Server.SftpRequestScheduler.Request;

namespace Ssh.Sftp.Server;

/// <summary>
/// One SFTP session on the server: a read loop that takes one request at a time (while fewer than
/// <see cref="SftpServerOptions.MaxRequestsInFlight"/> run), asks the scheduler what it must wait for, and starts
/// it; each request then runs on its own and sends its reply under the send lock. The loop never awaits a request.
/// </summary>
internal sealed partial class SftpServerSession : IAsyncDisposable
{
    private readonly SftpPacketStream _packets;
    private readonly ISftpFileSystem _fileSystem;
    private readonly SftpServerOptions _options;
    private readonly SftpRequestScheduler _scheduler = new();
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SftpHandleTable _handles;
    private readonly CancellationTokenSource _stop = new();
    private Exception? _fatal;

    public SftpServerSession(Stream stream, ISftpFileSystem fileSystem, SftpServerOptions options)
    {
        _packets = new SftpPacketStream(stream, options.MaxPacketLength);
        _fileSystem = fileSystem;
        _options = options;
        _slots = new SemaphoreSlim(options.MaxRequestsInFlight, options.MaxRequestsInFlight);
        _handles = new SftpHandleTable(options.MaxOpenHandles);
    }

    /// <summary>The most data one READ returns and one WRITE may carry (what limits@openssh.com announces).</summary>
    private int MaxDataLength => _options.MaxPacketLength - 1024;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        CancellationToken token = linked.Token;
        try
        {
            await HandshakeAsync(token).ConfigureAwait(false);
            while (true)
            {
                await _slots.WaitAsync(token).ConfigureAwait(false);
                ReceivedPacket? next;
                try
                {
                    next = await _packets.ReadAsync(token).ConfigureAwait(false);
                }
                catch
                {
                    _slots.Release();
                    throw;
                }
                if (next is not { } packet)
                {
                    _slots.Release();
                    break;
                }
                ScheduledRequest request;
                try
                {
                    request = Classify(packet);
                }
                catch
                {
                    packet.Return();
                    _slots.Release();
                    throw;
                }
                Task[] dependencies = _scheduler.DependenciesOf(request);
                _scheduler.Track(request, ExecuteAsync(packet, dependencies, TurnFor(request, packet.Type), token));
            }
        }
        catch (SftpProtocolException e)
        {
            Fail(e);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped, or a request hit a fatal error (logged where it happened).
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The channel went away under the read: nothing to answer any more.
        }
        await Task.WhenAll(_scheduler.All()).ConfigureAwait(false);
        if (_fatal is not null && !cancellationToken.IsCancellationRequested && _fatal is SftpProtocolException)
            _options.Log?.Invoke($"sftp: the client broke the protocol, ending the session: {_fatal.Message}");
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        ReceivedPacket init = await _packets.ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new OperationCanceledException("The client closed the channel before SSH_FXP_INIT.");
        try
        {
            if (init.Type != SftpPacketType.Init) throw new SftpProtocolException($"The first packet is type {(byte)init.Type}, not SSH_FXP_INIT.");
            SftpReader reader = init.Reader(withId: false);
            uint version = reader.ReadUInt32();
            if (version < 3) throw new SftpProtocolException($"The client speaks SFTP version {version}; this server speaks version 3.");
        }
        finally
        {
            init.Return();
        }
        var writer = SftpPacketWriter.WithoutId(SftpPacketType.Version, 512);
        writer.WriteUInt32(3);
        foreach (var (name, version) in SftpExtensionNames.Announced)
        {
            writer.WriteString(name);
            writer.WriteString(version);
        }
        await SendAsync(writer.Finish()).ConfigureAwait(false);
    }

    /// <summary>What a request touches, from its header alone; a packet too short for it ends the session.</summary>
    private static ScheduledRequest Classify(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        switch (packet.Type)
        {
            case SftpPacketType.Read:
            {
                uint handle = SftpHandleTable.Parse(reader.ReadBytes());
                long offset = (long)Math.Min(reader.ReadUInt64(), long.MaxValue / 2);
                return new(Scope.Read, handle, offset, offset + reader.ReadUInt32());
            }
            case SftpPacketType.Write:
            {
                uint handle = SftpHandleTable.Parse(reader.ReadBytes());
                long offset = (long)Math.Min(reader.ReadUInt64(), long.MaxValue / 2);
                return new(Scope.Write, handle, offset, offset + reader.ReadBytes().Length);
            }
            case SftpPacketType.Close or SftpPacketType.FStat or SftpPacketType.FSetStat or SftpPacketType.ReadDir:
                return new(Scope.Handle, SftpHandleTable.Parse(reader.ReadBytes()));
            case SftpPacketType.Stat or SftpPacketType.LStat or SftpPacketType.RealPath or SftpPacketType.ReadLink or SftpPacketType.OpenDir:
                return new(Scope.Query);
            case SftpPacketType.Open:
                reader.ReadBytes();
                var flags = (SftpOpenFlags)reader.ReadUInt32();
                return new(flags == SftpOpenFlags.Read ? Scope.Query : Scope.Global);
            case SftpPacketType.Extended:
                string name = reader.ReadString();
                return name switch
                {
                    SftpExtensionNames.Fsync or SftpExtensionNames.FStatVfs => new(Scope.Handle, SftpHandleTable.Parse(reader.ReadBytes())),
                    SftpExtensionNames.StatVfs or SftpExtensionNames.Limits or SftpExtensionNames.ExpandPath or SftpExtensionNames.HomeDirectory
                        or SftpExtensionNames.UsersGroupsById => new(Scope.Query),
                    _ => new(Scope.Global),
                };
            case SftpPacketType.Init:
                throw new SftpProtocolException("A second SSH_FXP_INIT.");
            default:
                return new(Scope.Global);
        }
    }

    /// <summary>
    /// Replies about one handle leave in the order their requests came, though the requests run in parallel: the
    /// draft lets a server reorder replies, but OpenSSH's scp and sftp before 9.4 take the highest offset acknowledged
    /// in order as the file's size and truncate there (in-place downloads and uploads), so a reordered reply would
    /// cut their file short. Replies about different handles, and path requests, are not held back.
    /// </summary>
    private sealed class ReplyTurn(Task previous)
    {
        public Task Previous { get; } = previous;

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static readonly AsyncLocal<ReplyTurn?> CurrentTurn = new();

    /// <summary>The last reply turn of each open handle; only the read loop touches it.</summary>
    private readonly Dictionary<uint, Task> _lastReply = [];

    private ReplyTurn? TurnFor(ScheduledRequest request, SftpPacketType type)
    {
        if (request.Scope is not (Scope.Read or Scope.Write or Scope.Handle) || !_handles.Contains(request.Handle)) return null;
        var turn = new ReplyTurn(_lastReply.GetValueOrDefault(request.Handle) ?? Task.CompletedTask);
        if (type == SftpPacketType.Close) _lastReply.Remove(request.Handle);
        else _lastReply[request.Handle] = turn.Sent.Task;
        return turn;
    }

    private async Task ExecuteAsync(ReceivedPacket packet, Task[] dependencies, ReplyTurn? turn, CancellationToken cancellationToken)
    {
        CurrentTurn.Value = turn;
        try
        {
            // Off the read loop before touching the file system: a slow stat or read never delays the next request.
            if (dependencies.Length > 0) await Task.WhenAll(dependencies).ConfigureAwait(false);
            else await Task.Yield();
            await HandleAsync(packet, cancellationToken).ConfigureAwait(false);
        }
        catch (SftpProtocolException e)
        {
            Fail(e);
        }
        catch (ReplyNotSentException)
        {
            Fail(new IOException("The channel closed."));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The session is ending.
        }
        finally
        {
            turn?.Sent.TrySetResult(); // also when no reply went out (the session is ending)
            packet.Return();
            _slots.Release();
        }
    }

    /// <summary>Runs one request and sends its reply; an error from the file system becomes a STATUS reply.</summary>
    private async Task HandleAsync(ReceivedPacket packet, CancellationToken cancellationToken)
    {
        uint id = packet.Id;
        try
        {
            await DispatchAsync(packet, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (SftpProtocolException or ReplyNotSentException or OperationCanceledException))
        {
            (SftpStatusCode code, string message) = StatusFor(e);
            if (code == SftpStatusCode.Failure && e is not (SftpException or IOException))
                _options.Log?.Invoke($"sftp: request type {(byte)packet.Type} failed: {e.GetType().Name}: {e.Message}");
            await SendStatusAsync(id, code, message).ConfigureAwait(false);
        }
    }

    /// <summary>The status a file system error means to the client.</summary>
    internal static (SftpStatusCode Code, string Message) StatusFor(Exception e) => e switch
    {
        SftpException s => (s.Code, s.Message),
        SftpPathException p => (SftpStatusCode.BadMessage, p.Message),
        FileNotFoundException or DirectoryNotFoundException => (SftpStatusCode.NoSuchFile, "No such file"),
        UnauthorizedAccessException => (SftpStatusCode.PermissionDenied, "Permission denied"),
        NotSupportedException => (SftpStatusCode.OpUnsupported, "Operation unsupported"),
        IOException io => (SftpStatusCode.Failure, io.Message),
        _ => (SftpStatusCode.Failure, "Failure"),
    };

    private void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _fatal, error, null) is null) _stop.Cancel();
    }

    // ---- sending -------------------------------------------------------------------------------------------

    /// <summary>A reply could not be written: the channel is gone, and so is the session.</summary>
    private sealed class ReplyNotSentException(Exception inner) : Exception("The reply could not be sent.", inner);

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAsync(SftpPacket packet)
    {
        ReplyTurn? turn = CurrentTurn.Value;
        try
        {
            if (turn is not null) await turn.Previous.ConfigureAwait(false);
            await _sendLock.WaitAsync().ConfigureAwait(false);
            try
            {
                await _packets.Stream.WriteAsync(packet.Memory).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
                turn?.Sent.TrySetResult();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new ReplyNotSentException(e);
        }
        finally
        {
            packet.Return();
        }
    }

    private ValueTask SendStatusAsync(uint id, SftpStatusCode code, string message = "")
    {
        var writer = new SftpPacketWriter(SftpPacketType.Status, id, 64 + message.Length * 3);
        writer.WriteUInt32((uint)code);
        writer.WriteString(message.Length > 0 ? message : SftpException.Describe(code));
        writer.WriteString("en");
        return SendAsync(writer.Finish());
    }

    private ValueTask SendOkAsync(uint id) => SendStatusAsync(id, SftpStatusCode.Ok, "Success");

    private ValueTask SendHandleAsync(uint id, uint handle)
    {
        var writer = new SftpPacketWriter(SftpPacketType.Handle, id, 32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, handle);
        writer.WriteString(bytes);
        return SendAsync(writer.Finish());
    }

    private ValueTask SendAttributesAsync(uint id, SftpAttributes attributes)
    {
        var writer = new SftpPacketWriter(SftpPacketType.Attrs, id, 64);
        attributes.Write(ref writer);
        return SendAsync(writer.Finish());
    }

    private ValueTask SendNamesAsync(uint id, IReadOnlyList<SftpAttributes> entries)
    {
        var writer = new SftpPacketWriter(SftpPacketType.Name, id, 64 + entries.Count * 128);
        writer.WriteUInt32((uint)entries.Count);
        foreach (SftpAttributes entry in entries)
        {
            string name = entry.FileName ?? "";
            writer.WriteString(name);
            writer.WriteString(entry.LongName ?? entry.FormatLongName(name, Owner(entry), Group(entry)));
            entry.Write(ref writer);
        }
        return SendAsync(writer.Finish());
    }

    private string? Owner(SftpAttributes entry) => entry.Uid is { } uid ? _fileSystem.GetUserName(uid) : null;

    private string? Group(SftpAttributes entry) => entry.Gid is { } gid ? _fileSystem.GetGroupName(gid) : null;

    /// <summary>A NAME reply with one entry (REALPATH, READLINK, expand-path, home-directory).</summary>
    private ValueTask SendNameAsync(uint id, string name) =>
        SendNamesAsync(id, [new SftpAttributes { FileName = name, LongName = name }]);

    /// <summary>READ: the data goes straight from the file into the pooled reply packet.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendDataAsync(uint id, ISftpFileHandle file, long offset, int length, CancellationToken cancellationToken)
    {
        const int header = 4 + 1 + 4 + 4;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(header + length);
        int n;
        try
        {
            n = await file.ReadAsync(offset, buffer.AsMemory(header, length), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        if (n == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await SendStatusAsync(id, SftpStatusCode.Eof, "End of file").ConfigureAwait(false);
            return;
        }
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(header - 4 + n));
        buffer[4] = (byte)SftpPacketType.Data;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(5), id);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(9), (uint)n);
        await SendAsync(new SftpPacket(buffer, header + n)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _handles.CloseAllAsync().ConfigureAwait(false);
        _stop.Dispose();
        _slots.Dispose();
        _sendLock.Dispose();
    }
}
