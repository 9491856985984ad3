using Ssh.Channels;
using Ssh.Sftp.Client;
using Ssh.Sftp.Protocol;

namespace Ssh.Sftp;

/// <summary>Writes a request's fields after its type and id.</summary>
internal delegate void RequestFields<in TState>(ref SftpPacketWriter writer, TState state);

/// <summary>
/// paramiko's <c>SFTPClient</c>: an SFTP version 3 session (draft-ietf-secsh-filexfer-02) over an SSH channel's
/// "sftp" subsystem, with OpenSSH's extensions where the server offers them. Many requests may be in flight at
/// once from any number of callers; <see cref="Get"/> and <see cref="Put"/> keep up to
/// <see cref="MaxRequestsInFlight"/> reads or writes outstanding. Every blocking method has an async twin.
/// Errors: <see cref="FileNotFoundException"/>, <see cref="UnauthorizedAccessException"/>, or
/// <see cref="SftpException"/> with the server's status code.
/// </summary>
public sealed partial class SftpClient : IDisposable, IAsyncDisposable
{
    /// <summary>The largest packet we read (OpenSSH's limit, 256 KiB, plus room for a reply's header).</summary>
    internal const int MaxPacketLength = 256 * 1024 + 1024;

    /// <summary>The request size without limits@openssh.com (what every v3 server accepts).</summary>
    public const int DefaultChunkSize = 32 * 1024;

    /// <summary>The largest request size we use, however much the server allows (OpenSSH's sftp does the same).</summary>
    public const int MaxChunkSize = 255 * 1024;

    private readonly SftpRequestPipe _pipe;
    private readonly Dictionary<string, string> _extensions;
    private string? _cwd;

    private SftpClient(SftpRequestPipe pipe, Channel? channel, uint version, Dictionary<string, string> extensions)
    {
        _pipe = pipe;
        Channel = channel;
        ServerVersion = version;
        _extensions = extensions;
        ReadChunkSize = WriteChunkSize = DefaultChunkSize;
    }

    /// <summary>paramiko's <c>from_transport</c>: opens a session channel, starts the "sftp" subsystem and
    /// exchanges versions.</summary>
    public static async Task<SftpClient> FromTransportAsync(SshTransport transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Channel channel = await transport.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await FromChannelAsync(channel, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>paramiko's <c>from_transport</c>, blocking.</summary>
    public static SftpClient FromTransport(SshTransport transport) => FromTransportAsync(transport).GetAwaiter().GetResult();

    /// <summary>Starts the "sftp" subsystem on an open session channel and exchanges versions. The client owns the
    /// channel and closes it.</summary>
    public static async Task<SftpClient> FromChannelAsync(Channel channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await channel.InvokeSubsystemAsync("sftp", cancellationToken).ConfigureAwait(false);
        return await StartAsync(channel.AsStream(ownsChannel: true), channel, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>paramiko's <c>SFTPClient(channel)</c>, blocking: starts the "sftp" subsystem on the open session
    /// channel and exchanges versions. (A stream whose subsystem already runs goes to <see cref="FromStreamAsync"/>.)</summary>
    public static SftpClient FromChannel(Channel channel) => FromChannelAsync(channel).GetAwaiter().GetResult();

    /// <summary>A session over any byte stream that carries SFTP (a pipe to <c>sftp-server</c>, a test's in-memory
    /// stream). The client owns the stream and disposes it.</summary>
    public static Task<SftpClient> FromStreamAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return StartAsync(stream, null, cancellationToken);
    }

    private static async Task<SftpClient> StartAsync(Stream stream, Channel? channel, CancellationToken cancellationToken)
    {
        var pipe = new SftpRequestPipe(stream, MaxPacketLength);
        try
        {
            ReceivedPacket version = await pipe.HandshakeAsync(cancellationToken).ConfigureAwait(false);
            uint serverVersion;
            var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                SftpReader reader = version.Reader(withId: false);
                serverVersion = reader.ReadUInt32();
                while (!reader.AtEnd) extensions[reader.ReadString()] = reader.ReadString();
            }
            finally
            {
                version.Return();
            }
            if (serverVersion < 3)
                throw new SftpException(SftpStatusCode.OpUnsupported, $"The server speaks SFTP version {serverVersion}; this client needs version 3.");
            var client = new SftpClient(pipe, channel, serverVersion, extensions);
            await client.ApplyLimitsAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sizes requests from limits@openssh.com (PROTOCOL §4.8) when the server offers it and answers.</summary>
    private async Task ApplyLimitsAsync(CancellationToken cancellationToken)
    {
        if (!HasExtension(SftpExtensionNames.Limits)) return;
        ReceivedPacket reply = await ExtendedAsync(SftpExtensionNames.Limits, 0, static (ref SftpPacketWriter _, int _) => { }, cancellationToken).ConfigureAwait(false);
        try
        {
            // A server that announces the extension and then refuses it (any status) costs us nothing: the default
            // sizes serve, as they do for a server without it.
            if (reply.Type == SftpPacketType.Status) return;
            if (reply.Type != SftpPacketType.ExtendedReply) throw new SftpProtocolException("limits@openssh.com was answered with a packet other than SSH_FXP_EXTENDED_REPLY.");
            SftpReader reader = reply.Reader();
            Limits = new SftpLimits(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64());
        }
        finally
        {
            reply.Return();
        }
        // A WRITE carries about 32 bytes of header plus the handle besides its data.
        ulong packetRoom = Limits.MaxPacketLength > 1024 ? Limits.MaxPacketLength - 1024 : DefaultChunkSize;
        ReadChunkSize = (int)Math.Clamp(Math.Min(Limits.MaxReadLength == 0 ? DefaultChunkSize : Limits.MaxReadLength, packetRoom), 512, MaxChunkSize);
        WriteChunkSize = (int)Math.Clamp(Math.Min(Limits.MaxWriteLength == 0 ? DefaultChunkSize : Limits.MaxWriteLength, packetRoom), 512, MaxChunkSize);
    }

    /// <summary>The SFTP version the server announced (3 or more; we speak 3).</summary>
    public uint ServerVersion { get; }

    /// <summary>The extensions the server announced, by name, with each one's version string.</summary>
    public IReadOnlyDictionary<string, string> Extensions => _extensions;

    /// <summary>The server's limits@openssh.com answer, or null when it offers no such extension.</summary>
    public SftpLimits? Limits { get; private set; }

    /// <summary>The channel the session runs on (paramiko's <c>get_channel</c>), or null over a plain stream.</summary>
    public Channel? Channel { get; }

    /// <summary>paramiko's <c>get_channel</c>.</summary>
    public Channel? GetChannel() => Channel;

    /// <summary>Bytes asked for in one READ (from limits@openssh.com, else 32 KiB; at most 255 KiB).</summary>
    public int ReadChunkSize { get; set; }

    /// <summary>Bytes sent in one WRITE (from limits@openssh.com, else 32 KiB; at most 255 KiB).</summary>
    public int WriteChunkSize { get; set; }

    /// <summary>How many reads or writes a transfer keeps outstanding (OpenSSH's sftp uses 64).</summary>
    public int MaxRequestsInFlight { get; set; } = 64;

    /// <summary>True when the server announced <paramref name="name"/>.</summary>
    public bool HasExtension(string name) => _extensions.ContainsKey(name);

    internal SftpRequestPipe Pipe => _pipe;

    // ---- the request path ----------------------------------------------------------------------------------

    /// <summary>Sends a request of <paramref name="type"/> whose fields <paramref name="fields"/> writes, and
    /// returns the reply (the caller returns its buffer).</summary>
    internal ValueTask<ReceivedPacket> RequestAsync<TState>(SftpPacketType type, TState state, RequestFields<TState> fields,
        CancellationToken cancellationToken, int capacity = 256)
    {
        uint id = _pipe.NextId();
        var writer = new SftpPacketWriter(type, id, capacity);
        try
        {
            fields(ref writer, state);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return _pipe.RequestAsync(id, writer.Finish(), cancellationToken);
    }

    internal ValueTask<ReceivedPacket> PathRequestAsync(SftpPacketType type, string path, CancellationToken cancellationToken) =>
        RequestAsync(type, path, static (ref SftpPacketWriter w, string p) => w.WriteString(p), cancellationToken);

    internal ValueTask<ReceivedPacket> HandleRequestAsync(SftpPacketType type, byte[] handle, CancellationToken cancellationToken) =>
        RequestAsync(type, handle, static (ref SftpPacketWriter w, byte[] h) => w.WriteString(h), cancellationToken);

    /// <summary>An SSH_FXP_EXTENDED request: the extension's name, then its own fields.</summary>
    internal ValueTask<ReceivedPacket> ExtendedAsync<TState>(string name, TState state, RequestFields<TState> fields, CancellationToken cancellationToken) =>
        RequestAsync(SftpPacketType.Extended, (name, state, fields), static (ref SftpPacketWriter w, (string Name, TState State, RequestFields<TState> Fields) s) =>
        {
            w.WriteString(s.Name);
            s.Fields(ref w, s.State);
        }, cancellationToken);

    internal void RequireExtension(string name)
    {
        if (!HasExtension(name))
            throw new SftpException(SftpStatusCode.OpUnsupported, $"The server does not offer {name}.");
    }

    /// <summary>paramiko's path handling: relative to <see cref="GetCwd"/> once <see cref="Chdir"/> was called.</summary>
    internal string Adjust(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_cwd is null || path.StartsWith('/')) return path;
        if (path is "" or ".") return _cwd;
        return _cwd == "/" ? "/" + path : _cwd + "/" + path;
    }

    // ---- closing -------------------------------------------------------------------------------------------

    /// <summary>Closes the session and its channel; waiting requests fail with <see cref="ObjectDisposedException"/>.</summary>
    public async Task CloseAsync() => await _pipe.DisposeAsync().ConfigureAwait(false);

    /// <summary>paramiko's <c>close</c>.</summary>
    public void Close() => CloseAsync().GetAwaiter().GetResult();

    /// <inheritdoc cref="Close"/>
    public void Dispose() => Close();

    /// <inheritdoc cref="CloseAsync"/>
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
