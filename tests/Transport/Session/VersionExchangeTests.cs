using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Session;

namespace Ssh.Tests.Transport.Session;

/// <summary>RFC 4253 §4.2: the identification string exchange.</summary>
public sealed class VersionExchangeTests
{
    private static async Task<(string Version, Pipe Pipe)> ReceiveAsync(string input, bool allowPreamble, CancellationToken ct, bool complete = true)
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(input), ct);
        if (complete) await pipe.Writer.CompleteAsync();
        string version = await VersionExchange.ReceiveAsync(pipe.Reader, allowPreamble, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
        return (version, pipe);
    }

    private static SshException? Fails(string input, bool allowPreamble, CancellationToken ct) =>
        Assert.CatchAsync<SshException>(async () => await ReceiveAsync(input, allowPreamble, ct));

    [Test, CancelAfter(10_000)]
    public async Task Send_WritesTheVersionWithCrLf(CancellationToken ct)
    {
        var stream = new MemoryStream();
        await VersionExchange.SendAsync(stream, VersionExchange.OurVersion, ct);
        string version = typeof(VersionExchange).Assembly.GetName().Version!.ToString(3);
        Assert.That(Encoding.ASCII.GetString(stream.ToArray()), Is.EqualTo($"SSH-2.0-SshCs_{version}\r\n"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Client_SkipsLinesBeforeTheVersion_AndLeavesWhatFollows(CancellationToken ct)
    {
        (string version, Pipe pipe) = await ReceiveAsync("Welcome!\r\nSSH in a banner: not a version\r\n\r\nSSH-2.0-OpenSSH_9.6 Debian\r\n\0\0\0\x0c", true, ct);
        Assert.That(version, Is.EqualTo("SSH-2.0-OpenSSH_9.6 Debian"));
        ReadResult rest = await pipe.Reader.ReadAsync(ct);
        Assert.That(rest.Buffer.ToArray(), Is.EqualTo(new byte[] { 0, 0, 0, 12 }), "the first packet's bytes stay in the pipe");
    }

    [Test, CancelAfter(10_000)]
    public async Task LfOnlyLineEndings_AreAccepted(CancellationToken ct)
    {
        (string version, _) = await ReceiveAsync("banner\nSSH-2.0-dropbear_2022.83\n", true, ct);
        Assert.That(version, Is.EqualTo("SSH-2.0-dropbear_2022.83"));
    }

    [Test, CancelAfter(10_000)]
    public async Task Version199_IsAccepted(CancellationToken ct)
    {
        (string version, _) = await ReceiveAsync("SSH-1.99-x\r\n", false, ct);
        Assert.That(version, Is.EqualTo("SSH-1.99-x"));
    }

    [Test, CancelAfter(10_000)]
    public async Task A255ByteLine_IsAccepted(CancellationToken ct)
    {
        string line = "SSH-2.0-" + new string('x', 255 - 2 - 8);
        (string version, _) = await ReceiveAsync(line + "\r\n", false, ct);
        Assert.That(version, Is.EqualTo(line));
    }

    [TestCase(true), TestCase(false), CancelAfter(10_000)]
    public void A256ByteLine_IsRejected(bool allowPreamble, CancellationToken ct)
    {
        string line = "SSH-2.0-" + new string('x', 256 - 2 - 8) + "\r\n";
        Assert.That(line.Length, Is.EqualTo(256));
        var e = Fails(line, allowPreamble, ct);
        Assert.That(e, Is.TypeOf<SshProtocolException>());
        Assert.That(((SshProtocolException)e!).Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [Test, CancelAfter(10_000)]
    public void AnEndlessLine_IsRejectedWithoutWaitingForItsEnd(CancellationToken ct)
    {
        var e = Assert.CatchAsync<SshException>(async () => await ReceiveAsync(new string('x', 300), true, ct, complete: false));
        Assert.That(e, Is.TypeOf<SshProtocolException>());
    }

    [TestCase("SSH-1.5-foo\r\n")]
    [TestCase("SSH-3.0-future\r\n")]
    [CancelAfter(10_000)]
    public void OtherProtocolVersions_AreNotSupported(string input, CancellationToken ct)
    {
        var e = Fails(input, true, ct);
        Assert.That(e, Is.TypeOf<SshProtocolException>());
        Assert.That(((SshProtocolException)e!).Reason, Is.EqualTo(DisconnectReason.ProtocolVersionNotSupported));
    }

    [TestCase("SSH-2.0-\r\n")]
    [TestCase("SSH-2.0\r\n")]
    [TestCase("SSH-2.0-ok\u0001\r\n")]
    [CancelAfter(10_000)]
    public void MalformedVersionLines_AreProtocolErrors(string input, CancellationToken ct)
    {
        var e = Fails(input, true, ct);
        Assert.That(e, Is.TypeOf<SshProtocolException>());
        Assert.That(((SshProtocolException)e!).Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [Test, CancelAfter(10_000)]
    public async Task Exactly1024PreambleLines_AreAccepted(CancellationToken ct)
    {
        string input = string.Concat(Enumerable.Repeat("line\r\n", VersionExchange.MaxPreambleLines)) + "SSH-2.0-x\r\n";
        (string version, _) = await ReceiveAsync(input, true, ct);
        Assert.That(version, Is.EqualTo("SSH-2.0-x"));
    }

    [Test, CancelAfter(10_000)]
    public void MoreThan1024PreambleLines_AreRejected(CancellationToken ct)
    {
        string input = string.Concat(Enumerable.Repeat("line\r\n", VersionExchange.MaxPreambleLines + 1)) + "SSH-2.0-x\r\n";
        var e = Fails(input, true, ct);
        Assert.That(e, Is.TypeOf<SshProtocolException>());
        Assert.That(e!.Message, Does.Contain("1024"));
    }

    [Test, CancelAfter(10_000)]
    public void Server_RejectsANonSshFirstLine(CancellationToken ct)
    {
        var e = Fails("GET / HTTP/1.1\r\nSSH-2.0-x\r\n", false, ct);
        Assert.That(e, Is.TypeOf<SshProtocolException>());
        Assert.That(((SshProtocolException)e!).Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [TestCase(""), TestCase("banner\r\n"), TestCase("SSH-2.0-no-newline"), CancelAfter(10_000)]
    public void ConnectionClosedBeforeAVersion_IsAConnectionError(string input, CancellationToken ct)
    {
        Assert.That(Fails(input, true, ct), Is.TypeOf<SshConnectionException>());
    }
}
