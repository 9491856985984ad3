using NUnit.Framework;
using Ssh.Sftp;
using Ssh.Sftp.Protocol;
using Ssh.Sftp.Server;

namespace Ssh.Tests.Sftp;

/// <summary>The wire codec: round trips, every truncated prefix refused cleanly, and status codes as .NET exceptions.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SftpCodecTests
{
    private static byte[] Body(SftpPacket packet)
    {
        byte[] body = packet.Memory.Span[4..].ToArray();
        packet.Return();
        return body;
    }

    private static byte[] FullAttributesPacket()
    {
        var attributes = new SftpAttributes
        {
            Size = 1L << 40, Uid = 1000, Gid = 100, Mode = 0x81A4, ATime = 1_600_000_000, MTime = 1_700_000_000,
            Extended = [new("a@example.com", [1, 2, 3])],
        };
        var writer = new SftpPacketWriter(SftpPacketType.Attrs, 7u);
        attributes.Write(ref writer);
        return Body(writer.Finish());
    }

    [Test]
    public void Attributes_RoundTripEveryField()
    {
        byte[] body = FullAttributesPacket();
        var reader = new SftpReader(body);
        Assert.That(reader.ReadByte(), Is.EqualTo((byte)SftpPacketType.Attrs));
        Assert.That(reader.ReadUInt32(), Is.EqualTo(7));
        SftpAttributes back = SftpAttributes.Read(ref reader);
        reader.EnsureEnd("attributes");
        Assert.That((back.Size, back.Uid, back.Gid, back.Mode, back.ATime, back.MTime), Is.EqualTo((1L << 40, 1000u, 100u, 0x81A4u, 1_600_000_000u, 1_700_000_000u)));
        Assert.That(back.Extended.Single().Key, Is.EqualTo("a@example.com"));
        Assert.That(back.Extended.Single().Value, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(back.IsRegularFile, Is.True);
        Assert.That(back.FormatLongName("f", "alice", "users", 1, DateTimeOffset.FromUnixTimeSeconds(1_700_000_100)),
            Is.EqualTo("-rw-r--r--    1 alice    users    1099511627776 Nov 14 22:13 f"));
    }

    [Test]
    public void Attributes_EveryTruncatedPrefixIsAProtocolError()
    {
        byte[] body = FullAttributesPacket();
        for (int length = 5; length < body.Length; length++)
        {
            byte[] prefix = body[..length];
            Assert.Throws<SftpProtocolException>(() =>
            {
                var reader = new SftpReader(prefix);
                reader.ReadByte();
                reader.ReadUInt32();
                SftpAttributes.Read(ref reader);
            }, $"prefix of {length} bytes");
        }
    }

    [Test]
    public void Strings_ClaimingMoreThanThePacketHasAreRefusedBeforeAllocating()
    {
        byte[] lying = [0xFF, 0xFF, 0xFF, 0xF0, (byte)'a'];
        Assert.Throws<SftpProtocolException>(() => new SftpReader(lying).ReadString());
        byte[] pairs = [0x80, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]; // extended flag, 4 billion pairs
        Assert.Throws<SftpProtocolException>(() =>
        {
            var reader = new SftpReader(pairs);
            SftpAttributes.Read(ref reader);
        });
    }

    [Test]
    public void Paths_WithNulAreRefused()
    {
        var writer = new SftpPacketWriter(SftpPacketType.Stat, 1u);
        writer.WriteString("a\0b");
        byte[] body = Body(writer.Finish());
        Assert.Throws<SftpPathException>(() =>
        {
            var reader = new SftpReader(body.AsSpan(5));
            reader.ReadPath();
        });
    }

    [Test]
    public async Task PacketStream_RefusesOverlongAndTruncatedPackets()
    {
        var overlong = new SftpPacketStream(new MemoryStream([0, 0x10, 0, 1, 1]), 4096);
        Assert.ThrowsAsync<SftpProtocolException>(async () => await overlong.ReadAsync(CancellationToken.None));
        var empty = new SftpPacketStream(new MemoryStream([0, 0, 0, 0]), 4096);
        Assert.ThrowsAsync<SftpProtocolException>(async () => await empty.ReadAsync(CancellationToken.None));
        var cut = new SftpPacketStream(new MemoryStream([0, 0, 0, 9, 1, 2]), 4096);
        Assert.ThrowsAsync<SftpProtocolException>(async () => await cut.ReadAsync(CancellationToken.None));
        var clean = new SftpPacketStream(new MemoryStream([]), 4096);
        Assert.That(await clean.ReadAsync(CancellationToken.None), Is.Null);
    }

    [Test]
    public void Status_MapsToTheExceptionsDotNetUsersExpect()
    {
        Assert.That(SftpException.FromStatus(SftpStatusCode.NoSuchFile, "No such file", "/x"), Is.TypeOf<FileNotFoundException>()
            .With.Property("FileName").EqualTo("/x"));
        Assert.That(SftpException.FromStatus(SftpStatusCode.PermissionDenied, "Permission denied", "/x"), Is.TypeOf<UnauthorizedAccessException>());
        foreach (SftpStatusCode code in new[] { SftpStatusCode.Failure, SftpStatusCode.BadMessage, SftpStatusCode.OpUnsupported, SftpStatusCode.Eof })
        {
            Exception e = SftpException.FromStatus(code, "why\nforged log line", "/x");
            Assert.That(e, Is.TypeOf<SftpException>().With.Property("Code").EqualTo(code));
            Assert.That(e.Message, Does.Contain("/x").And.Contain("why?forged").And.Not.Contain("\n"));
        }
        // And back: what the server sends for a file system's exception.
        Assert.That(SftpServerSessionStatus(new FileNotFoundException()), Is.EqualTo(SftpStatusCode.NoSuchFile));
        Assert.That(SftpServerSessionStatus(new UnauthorizedAccessException()), Is.EqualTo(SftpStatusCode.PermissionDenied));
        Assert.That(SftpServerSessionStatus(new NotSupportedException()), Is.EqualTo(SftpStatusCode.OpUnsupported));
        Assert.That(SftpServerSessionStatus(new IOException()), Is.EqualTo(SftpStatusCode.Failure));
    }

    private static SftpStatusCode SftpServerSessionStatus(Exception e) => SftpServerSession.StatusFor(e).Code;

    [TestCase("/", "a/../../..", ExpectedResult = "/")]
    [TestCase("/home/u", "x/./y//z", ExpectedResult = "/home/u/x/y/z")]
    [TestCase("/home/u", "/etc/../etc/passwd", ExpectedResult = "/etc/passwd")]
    [TestCase("/", "", ExpectedResult = "/")]
    public string Paths_NormalizeWithoutClimbingAboveRoot(string directory, string path) => SftpPath.Normalize(directory, path);

    [TestCase("/d", "/d/f", ExpectedResult = "f")]
    [TestCase("/a/b", "/c", ExpectedResult = "../../c")]
    [TestCase("/", "/x/y", ExpectedResult = "x/y")]
    [TestCase("/a", "../a/f", ExpectedResult = "../a/f")]
    public string JailedLinkTargets_AreKeptInside(string directory, string target) => LocalFileSystem.JailedTarget(directory, target);

    [TestCase("/", "../etc")]
    [TestCase("/a", "../../etc/passwd")]
    [TestCase("/a/b", "x/../../../..")]
    public void JailedLinkTargets_ThatClimbOutAreRefused(string directory, string target) =>
        Assert.That(Assert.Throws<SftpException>(() => LocalFileSystem.JailedTarget(directory, target))!.Code, Is.EqualTo(SftpStatusCode.PermissionDenied));

    [TestCase("r", ExpectedResult = SftpOpenFlags.Read)]
    [TestCase("wb", ExpectedResult = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate)]
    [TestCase("a+", ExpectedResult = SftpOpenFlags.Read | SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Append)]
    [TestCase("x", ExpectedResult = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive)]
    public SftpOpenFlags Modes_MapToOpenFlags(string mode) => SftpClient.ParseMode(mode);
}
