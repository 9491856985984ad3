using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Ssh.Transport.Session;

/// <summary>The identification string exchange of RFC 4253 §4.2.</summary>
internal static class VersionExchange
{
    /// <summary>"SshCs_" and the package version (major.minor.patch), as the softwareversion part of our line.</summary>
    public static readonly string SoftwareVersion = "SshCs_" + (typeof(VersionExchange).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public static readonly string OurVersion = "SSH-2.0-" + SoftwareVersion;

    /// <summary>The most lines a server may send before its version line (OpenSSH allows about as many).</summary>
    public const int MaxPreambleLines = 1024;

    /// <summary>RFC 4253 §4.2: at most 255 characters including CR LF.</summary>
    public const int MaxLineLength = 255;

    public static async ValueTask SendAsync(Stream output, string version, CancellationToken cancellationToken)
    {
        byte[] line = Encoding.ASCII.GetBytes(version + "\r\n");
        await output.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the peer's version line, skipping up to <see cref="MaxPreambleLines"/> other lines when
    /// <paramref name="allowPreamble"/> (a client reading a server). Returns the line without CR LF.</summary>
    public static async ValueTask<string> ReceiveAsync(PipeReader input, bool allowPreamble, CancellationToken cancellationToken)
    {
        int linesSeen = 0;
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (TryReadLine(ref buffer, out string? line))
            {
                if (line.StartsWith("SSH-", StringComparison.Ordinal))
                {
                    input.AdvanceTo(buffer.Start);
                    Validate(line);
                    return line;
                }
                if (!allowPreamble)
                    throw new SshProtocolException(DisconnectReason.ProtocolError,
                        "The client sent something other than an SSH version line; is this an SSH client?");
                if (++linesSeen > MaxPreambleLines)
                    throw new SshProtocolException(DisconnectReason.ProtocolError,
                        $"The server sent more than {MaxPreambleLines} lines without an SSH version line; is this an SSH server?");
            }
            if (buffer.Length > MaxLineLength)
                throw new SshProtocolException(DisconnectReason.ProtocolError,
                    $"The peer's identification line is longer than {MaxLineLength} bytes; is this an SSH server?");
            if (result.IsCompleted)
                throw new SshConnectionException("The connection closed before the peer sent its SSH version line.");
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? line)
    {
        line = null;
        SequencePosition? newline = buffer.PositionOf((byte)'\n');
        if (newline is null) return false;
        ReadOnlySequence<byte> raw = buffer.Slice(0, newline.Value);
        if (raw.Length + 1 > MaxLineLength)
            throw new SshProtocolException(DisconnectReason.ProtocolError,
                $"The peer's identification line is longer than {MaxLineLength} bytes; is this an SSH server?");
        string text = Encoding.UTF8.GetString(raw);
        line = text.EndsWith('\r') ? text[..^1] : text;
        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
        return true;
    }

    private static void Validate(string line)
    {
        // Printable US-ASCII only (RFC 4253 §4.2), checked first: the line goes into the messages below, and from
        // there into logs and terminals, so it must not carry escape sequences.
        foreach (char c in line)
        {
            if (c < 0x20 || c > 0x7E)
                throw new SshProtocolException(DisconnectReason.ProtocolError, "The SSH version line holds a non-printable character (RFC 4253 §4.2).");
        }
        // SSH-protoversion-softwareversion SP comments
        string[] parts = line.Split('-', 3);
        if (parts.Length < 3 || parts[2].Length == 0)
            throw new SshProtocolException(DisconnectReason.ProtocolError, $"Malformed SSH version line '{line}'.");
        string proto = parts[1];
        if (proto != "2.0" && proto != "1.99")
            throw new SshProtocolException(DisconnectReason.ProtocolVersionNotSupported,
                $"The peer speaks SSH protocol {proto} ('{line}'); only SSH-2.0 is supported.");
    }
}
