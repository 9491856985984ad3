using Ssh.Sftp.Protocol;

namespace Ssh.Sftp.Server;

// What each request does (draft-ietf-secsh-filexfer-02 §6, OpenSSH PROTOCOL §4): parse, call the file system,
// reply. Errors thrown here become STATUS replies in HandleAsync.
internal sealed partial class SftpServerSession
{
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask DispatchAsync(ReceivedPacket packet, uint id, CancellationToken ct)
    {
        switch (packet.Type)
        {
            case SftpPacketType.Open:
            {
                var (path, flags, attributes) = ParseOpen(packet);
                ISftpFileHandle file = await _fileSystem.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
                await RegisterAsync(id, file).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.OpenDir:
            {
                string path = OnePath(packet);
                ISftpDirectoryHandle directory = await _fileSystem.OpenDirectoryAsync(path, ct).ConfigureAwait(false);
                await RegisterAsync(id, directory).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.Close:
                await ((IAsyncDisposable)_handles.Remove(HandleOf(packet))).DisposeAsync().ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            case SftpPacketType.Read:
            {
                var (handle, offset, length) = ParseRead(packet);
                await SendDataAsync(id, _handles.Get<ISftpFileHandle>(handle), offset, Math.Min(length, MaxDataLength), ct).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.Write:
            {
                var (handle, offset, data) = ParseWrite(packet);
                await _handles.Get<ISftpFileHandle>(handle).WriteAsync(offset, data, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.Stat or SftpPacketType.LStat:
                await SendAttributesAsync(id, await _fileSystem.StatAsync(OnePath(packet), packet.Type == SftpPacketType.Stat, ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpPacketType.FStat:
                await SendAttributesAsync(id, await _handles.Get<ISftpFileHandle>(HandleOf(packet)).StatAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpPacketType.SetStat:
            {
                var (path, attributes) = ParsePathAttributes(packet, skipName: false);
                await _fileSystem.SetStatAsync(path, attributes, followLinks: true, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.FSetStat:
            {
                var (handle, attributes) = ParseHandleAttributes(packet);
                await _handles.Get<ISftpFileHandle>(handle).SetStatAsync(attributes, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.ReadDir:
            {
                IReadOnlyList<SftpAttributes> entries = await _handles.Get<ISftpDirectoryHandle>(HandleOf(packet)).ReadAsync(ct).ConfigureAwait(false);
                if (entries.Count == 0) await SendStatusAsync(id, SftpStatusCode.Eof, "End of directory").ConfigureAwait(false);
                else await SendNamesAsync(id, entries).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.Remove:
                await _fileSystem.RemoveAsync(OnePath(packet), ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            case SftpPacketType.MkDir:
            {
                var (path, attributes) = ParsePathAttributes(packet, skipName: false);
                await _fileSystem.MakeDirectoryAsync(path, attributes, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.RmDir:
                await _fileSystem.RemoveDirectoryAsync(OnePath(packet), ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            case SftpPacketType.RealPath:
                await SendNameAsync(id, await _fileSystem.RealPathAsync(OnePath(packet), ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpPacketType.Rename:
            {
                var (from, to) = TwoPaths(packet, skipName: false);
                await _fileSystem.RenameAsync(from, to, replace: false, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.ReadLink:
                await SendNameAsync(id, await _fileSystem.ReadLinkAsync(OnePath(packet), ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpPacketType.Symlink:
            {
                // OpenSSH (PROTOCOL §3.1), and every client that talks to it, sends the target first, then the link.
                var (target, link) = ParseSymlink(packet);
                await _fileSystem.SymlinkAsync(link, target, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpPacketType.Extended:
                await ExtendedAsync(packet, id, ct).ConfigureAwait(false);
                break;
            default:
                await SendStatusAsync(id, SftpStatusCode.OpUnsupported, $"Unknown request type {(byte)packet.Type}").ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask ExtendedAsync(ReceivedPacket packet, uint id, CancellationToken ct)
    {
        SftpReader reader = packet.Reader();
        string name = reader.ReadString();
        switch (name)
        {
            case SftpExtensionNames.PosixRename:
            {
                var (from, to) = TwoPaths(packet, skipName: true);
                await _fileSystem.RenameAsync(from, to, replace: true, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpExtensionNames.Hardlink:
            {
                var (existing, created) = TwoPaths(packet, skipName: true);
                await _fileSystem.HardlinkAsync(existing, created, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpExtensionNames.StatVfs:
                await SendStatVfsAsync(id, await _fileSystem.StatVfsAsync(PathAfterName(packet), ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpExtensionNames.FStatVfs:
                await SendStatVfsAsync(id, await _handles.Get<ISftpFileHandle>(HandleAfterName(packet)).StatVfsAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpExtensionNames.Fsync:
                await _handles.Get<ISftpFileHandle>(HandleAfterName(packet)).FsyncAsync(ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            case SftpExtensionNames.LSetStat:
            {
                var (path, attributes) = ParsePathAttributes(packet, skipName: true);
                await _fileSystem.SetStatAsync(path, attributes, followLinks: false, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            }
            case SftpExtensionNames.Limits:
            {
                var writer = new SftpPacketWriter(SftpPacketType.ExtendedReply, id, 48);
                writer.WriteUInt64((ulong)_options.MaxPacketLength);
                writer.WriteUInt64((ulong)MaxDataLength);
                writer.WriteUInt64((ulong)MaxDataLength);
                writer.WriteUInt64((ulong)_options.MaxOpenHandles);
                await SendAsync(writer.Finish()).ConfigureAwait(false);
                break;
            }
            case SftpExtensionNames.ExpandPath:
                await SendNameAsync(id, await ExpandPathAsync(RawStringAfterName(packet), ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpExtensionNames.HomeDirectory:
                await SendNameAsync(id, await _fileSystem.GetHomeDirectoryAsync(RawStringAfterName(packet), ct).ConfigureAwait(false)).ConfigureAwait(false);
                break;
            case SftpExtensionNames.UsersGroupsById:
                await SendUsersGroupsAsync(packet, id).ConfigureAwait(false);
                break;
            case SftpExtensionNames.CopyData:
                await CopyDataAsync(packet, ct).ConfigureAwait(false);
                await SendOkAsync(id).ConfigureAwait(false);
                break;
            default:
                await SendStatusAsync(id, SftpStatusCode.OpUnsupported, $"Unsupported extension {SftpException.Sanitize(name)}").ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask RegisterAsync(uint id, IAsyncDisposable opened)
    {
        if (!_handles.TryAdd(opened, out uint handle))
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw new SftpException(SftpStatusCode.Failure, $"Too many open handles (the limit is {_options.MaxOpenHandles}).");
        }
        await SendHandleAsync(id, handle).ConfigureAwait(false);
    }

    private ValueTask SendStatVfsAsync(uint id, SftpStatVfs figures)
    {
        var writer = new SftpPacketWriter(SftpPacketType.ExtendedReply, id, 128);
        figures.Write(ref writer);
        return SendAsync(writer.Finish());
    }

    /// <summary>expand-path@openssh.com: "~" and "~user" at the start become home directories, then REALPATH.</summary>
    private async ValueTask<string> ExpandPathAsync(string path, CancellationToken ct)
    {
        if (path.Contains('\0')) throw new SftpPathException("A path contains a NUL byte.");
        if (path.StartsWith('~'))
        {
            int slash = path.IndexOf('/');
            string user = slash < 0 ? path[1..] : path[1..slash];
            string home = await _fileSystem.GetHomeDirectoryAsync(user, ct).ConfigureAwait(false);
            path = slash < 0 ? home : home + path[slash..];
        }
        return await _fileSystem.RealPathAsync(SftpPath.Normalize(_fileSystem.HomeDirectory, path), ct).ConfigureAwait(false);
    }

    private ValueTask SendUsersGroupsAsync(ReceivedPacket packet, uint id)
    {
        SftpReader reader = packet.Reader();
        reader.ReadString();
        ReadOnlySpan<byte> uids = reader.ReadBytes();
        ReadOnlySpan<byte> gids = reader.ReadBytes();
        if (uids.Length % 4 != 0 || gids.Length % 4 != 0) throw new SftpProtocolException("users-groups-by-id: an id list whose length is not a multiple of 4.");
        var writer = new SftpPacketWriter(SftpPacketType.ExtendedReply, id, 64 + (uids.Length + gids.Length) * 8);
        try
        {
            WriteNames(ref writer, uids, _fileSystem.GetUserName);
            WriteNames(ref writer, gids, _fileSystem.GetGroupName);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return SendAsync(writer.Finish());

        static void WriteNames(ref SftpPacketWriter writer, ReadOnlySpan<byte> ids, Func<uint, string?> lookup)
        {
            var names = SftpPacketWriter.WithoutId(SftpPacketType.Init, ids.Length * 8);
            try
            {
                for (int i = 0; i < ids.Length; i += 4)
                    names.WriteString(lookup(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ids[i..])) ?? "");
                SftpPacket packet = names.Finish();
                // Everything after the 4-byte length and the type byte is the list.
                writer.WriteString(packet.Memory.Span[5..]);
                packet.Return();
            }
            finally
            {
                names.Dispose();
            }
        }
    }

    /// <summary>copy-data: copies between two open files on the server, a buffer at a time.</summary>
    private async ValueTask CopyDataAsync(ReceivedPacket packet, CancellationToken ct)
    {
        SftpReader reader = packet.Reader();
        reader.ReadString();
        uint readHandle = SftpHandleTable.Parse(reader.ReadBytes());
        long readOffset = (long)Math.Min(reader.ReadUInt64(), long.MaxValue);
        ulong length = reader.ReadUInt64();
        uint writeHandle = SftpHandleTable.Parse(reader.ReadBytes());
        long writeOffset = (long)Math.Min(reader.ReadUInt64(), long.MaxValue);
        ISftpFileHandle source = _handles.Get<ISftpFileHandle>(readHandle);
        ISftpFileHandle target = _handles.Get<ISftpFileHandle>(writeHandle);
        long remaining = length == 0 ? long.MaxValue : (long)Math.Min(length, long.MaxValue);
        if (readHandle == writeHandle && readOffset < writeOffset + remaining && writeOffset < readOffset + remaining)
            throw new SftpException(SftpStatusCode.Failure, "copy-data: the source and destination ranges overlap.");
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            while (remaining > 0)
            {
                int n = await source.ReadAsync(readOffset, buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), ct).ConfigureAwait(false);
                if (n == 0) break;
                await target.WriteAsync(writeOffset, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                readOffset += n;
                writeOffset += n;
                remaining -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- parsing: every field is checked; a short or overlong packet ends the session ------------------------

    private string Resolve(string path) => SftpPath.Normalize(_fileSystem.HomeDirectory, path);

    private string OnePath(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        string path = reader.ReadPath();
        return Resolve(path);
    }

    private string PathAfterName(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        reader.ReadString();
        return Resolve(reader.ReadPath());
    }

    private static string RawStringAfterName(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        reader.ReadString();
        return reader.ReadString();
    }

    private static uint HandleOf(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        return SftpHandleTable.Parse(reader.ReadBytes());
    }

    private static uint HandleAfterName(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        reader.ReadString();
        return SftpHandleTable.Parse(reader.ReadBytes());
    }

    private (string, string) TwoPaths(ReceivedPacket packet, bool skipName)
    {
        SftpReader reader = packet.Reader();
        if (skipName) reader.ReadString();
        string first = reader.ReadPath();
        string second = reader.ReadPath();
        return (Resolve(first), Resolve(second));
    }

    /// <summary>SYMLINK: the target is kept as the client wrote it (a link may be relative); the link's own path is resolved.</summary>
    private (string Target, string Link) ParseSymlink(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        string target = reader.ReadPath();
        string link = reader.ReadPath();
        return (target, Resolve(link));
    }

    private (string, SftpOpenFlags, SftpAttributes) ParseOpen(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        string path = reader.ReadPath();
        var flags = (SftpOpenFlags)reader.ReadUInt32();
        SftpAttributes attributes = SftpAttributes.Read(ref reader);
        return (Resolve(path), flags, attributes);
    }

    private (string, SftpAttributes) ParsePathAttributes(ReceivedPacket packet, bool skipName)
    {
        SftpReader reader = packet.Reader();
        if (skipName) reader.ReadString();
        string path = reader.ReadPath();
        SftpAttributes attributes = SftpAttributes.Read(ref reader);
        return (Resolve(path), attributes);
    }

    private static (uint, SftpAttributes) ParseHandleAttributes(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        uint handle = SftpHandleTable.Parse(reader.ReadBytes());
        return (handle, SftpAttributes.Read(ref reader));
    }

    private static (uint Handle, long Offset, int Length) ParseRead(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        uint handle = SftpHandleTable.Parse(reader.ReadBytes());
        ulong offset = reader.ReadUInt64();
        uint length = reader.ReadUInt32();
        if (offset > long.MaxValue) throw new SftpException(SftpStatusCode.BadMessage, "A read offset beyond 2^63.");
        return (handle, (long)offset, (int)Math.Min(length, int.MaxValue));
    }

    private static (uint Handle, long Offset, ReadOnlyMemory<byte> Data) ParseWrite(ReceivedPacket packet)
    {
        SftpReader reader = packet.Reader();
        uint handle = SftpHandleTable.Parse(reader.ReadBytes());
        ulong offset = reader.ReadUInt64();
        int length = reader.ReadBytes().Length;
        if (offset > long.MaxValue) throw new SftpException(SftpStatusCode.BadMessage, "A write offset beyond 2^63.");
        return (handle, (long)offset, packet.Buffer.AsMemory(packet.Length - length - reader.Remaining, length));
    }
}
