using NUnit.Framework;
using Ssh.Transport;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Transport.Wire;

/// <summary>RFC 4251 §5 data types: write, read back, and the exact bytes where the RFC gives them.</summary>
public sealed class SshReaderWriterTests
{
    private delegate void Write(ref SshWriter w);

    private static byte[] Encode(Write write)
    {
        var buffer = new byte[1024];
        var w = new SshWriter(buffer);
        write(ref w);
        return w.Written.ToArray();
    }

    [Test]
    public void Byte_Boolean_UInt32_UInt64_RoundTrip()
    {
        byte[] data = Encode((ref SshWriter w) =>
        {
            w.WriteByte(0xA5);
            w.WriteBoolean(true);
            w.WriteBoolean(false);
            w.WriteUInt32(0xDEADBEEF);
            w.WriteUInt64(0x0102030405060708);
        });
        Assert.That(data, Is.EqualTo(new byte[] { 0xA5, 1, 0, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 5, 6, 7, 8 }));

        var r = new SshReader(data);
        Assert.That(r.ReadByte(), Is.EqualTo(0xA5));
        Assert.That(r.ReadBoolean(), Is.True);
        Assert.That(r.ReadBoolean(), Is.False);
        Assert.That(r.ReadUInt32(), Is.EqualTo(0xDEADBEEF));
        Assert.That(r.ReadUInt64(), Is.EqualTo(0x0102030405060708UL));
        Assert.That(r.AtEnd, Is.True);
    }

    [Test]
    public void Boolean_AnyNonZeroByteIsTrue()
    {
        // RFC 4251 §5: "All non-zero values MUST be interpreted as TRUE".
        var r = new SshReader([0x02, 0xFF]);
        Assert.That(r.ReadBoolean(), Is.True);
        Assert.That(r.ReadBoolean(), Is.True);
    }

    [TestCase("")]
    [TestCase("testing")]
    [TestCase("héllo wörld ✓")]
    public void String_RoundTripsAsUtf8(string text)
    {
        byte[] data = Encode((ref SshWriter w) => w.WriteString(text));
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        Assert.That(data.Length, Is.EqualTo(4 + utf8.Length));
        Assert.That(data[4..], Is.EqualTo(utf8));
        var r = new SshReader(data);
        Assert.That(r.ReadString(), Is.EqualTo(text));
        Assert.That(r.AtEnd, Is.True);
    }

    [Test]
    public void String_TestingExampleFromRfc()
    {
        // RFC 4251 §5: "testing" is 00 00 00 07 t e s t i n g.
        byte[] data = Encode((ref SshWriter w) => w.WriteString("testing"));
        Assert.That(Convert.ToHexString(data), Is.EqualTo("0000000774657374696E67"));
    }

    [Test]
    public void String_BinaryRoundTrips()
    {
        byte[] blob = [0, 1, 0xFF, 0x80, 0];
        byte[] data = Encode((ref SshWriter w) => w.WriteString(blob));
        var r = new SshReader(data);
        Assert.That(r.ReadBinaryString(), Is.EqualTo(blob));
    }

    [Test]
    public void String_InvalidUtf8_IsProtocolError()
    {
        var ex = Assert.Throws<SshProtocolException>(() => new SshReader([0, 0, 0, 2, 0xC3, 0x28]).ReadString());
        Assert.That(ex!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    // RFC 4251 §5 mpint examples (the non-negative ones).
    [TestCase("", "00000000")]
    [TestCase("00", "00000000")]
    [TestCase("09a378f9b2e332a7", "0000000809a378f9b2e332a7")]
    [TestCase("80", "000000020080")]
    [TestCase("0000ff", "0000000200ff")]
    [TestCase("7f", "000000017f")]
    public void Mpint_RfcExamples(string magnitudeHex, string wireHex)
    {
        byte[] magnitude = Convert.FromHexString(magnitudeHex);
        byte[] data = Encode((ref SshWriter w) => w.WriteMpint(magnitude));
        Assert.That(Convert.ToHexString(data), Is.EqualTo(wireHex.ToUpperInvariant()));
        Assert.That(new SshBuffer().WriteMpint(magnitude).ToArray(), Is.EqualTo(data), "SshBuffer encodes the same way");

        var r = new SshReader(data);
        byte[] expected = magnitude.AsSpan().TrimStart((byte)0).ToArray();
        Assert.That(r.ReadMpintUnsigned().ToArray(), Is.EqualTo(expected));
        Assert.That(r.AtEnd, Is.True);
    }

    [TestCase("00000002edcc", Description = "-1234 (RFC 4251 §5)")]
    [TestCase("00000005ff21524111", Description = "-deadbeef (RFC 4251 §5)")]
    [TestCase("00000001ff", Description = "-1")]
    public void Mpint_Negative_IsRejected(string wireHex)
    {
        var ex = Assert.Throws<SshProtocolException>(() => new SshReader(Convert.FromHexString(wireHex)).ReadMpintUnsigned());
        Assert.That(ex!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [TestCase("0000000100")]
    [TestCase("00000002007f")]
    public void Mpint_UnnecessaryLeadingZero_IsRejected(string wireHex)
    {
        Assert.Throws<SshProtocolException>(() => new SshReader(Convert.FromHexString(wireHex)).ReadMpintUnsigned());
    }

    [TestCase(new string[0], "00000000")]
    [TestCase(new[] { "zlib" }, "000000047a6c6962")]
    [TestCase(new[] { "zlib", "none" }, "000000097a6c69622c6e6f6e65")]
    public void NameList_RfcExamples(string[] names, string wireHex)
    {
        byte[] data = Encode((ref SshWriter w) => w.WriteNameList(names));
        Assert.That(Convert.ToHexString(data), Is.EqualTo(wireHex.ToUpperInvariant()));
        var r = new SshReader(data);
        Assert.That(r.ReadNameList(), Is.EqualTo(names));
        Assert.That(r.AtEnd, Is.True);
    }

    [TestCase(",zlib")]
    [TestCase("zlib,")]
    [TestCase("zlib,,none")]
    [TestCase(",")]
    [TestCase("zl ib")]
    [TestCase("zlïb")]
    [TestCase("zlib\u007f")]
    [TestCase("a\tb")]
    public void NameList_EmptyOrNonPrintableNames_AreRejected(string content)
    {
        byte[] data = new SshBuffer().WriteString(content).ToArray();
        var ex = Assert.Throws<SshProtocolException>(() => new SshReader(data).ReadNameList());
        Assert.That(ex!.Reason, Is.EqualTo(DisconnectReason.ProtocolError));
    }

    [Test]
    public void EveryTruncatedPrefix_IsProtocolError()
    {
        byte[] data = Encode((ref SshWriter w) =>
        {
            w.WriteByte(7);
            w.WriteBoolean(true);
            w.WriteUInt32(42);
            w.WriteUInt64(43);
            w.WriteString("text");
            w.WriteMpint([0x80, 1]);
            w.WriteNameList(["a", "bc"]);
            w.WriteString([1, 2, 3]);
        });
        Assert.That(ReadAll(data), Is.EqualTo(data.Length), "the whole message reads");
        for (int length = 0; length < data.Length; length++)
        {
            byte[] prefix = data[..length];
            Assert.That(() => ReadAll(prefix), Throws.TypeOf<SshProtocolException>(), $"prefix of {length} bytes");
        }
    }

    private static int ReadAll(byte[] data)
    {
        var r = new SshReader(data);
        r.ReadByte();
        r.ReadBoolean();
        r.ReadUInt32();
        r.ReadUInt64();
        r.ReadString();
        r.ReadMpintUnsigned();
        r.ReadNameList();
        r.ReadBytes(4);
        r.ReadBytes(3);
        r.EnsureEnd("test message");
        return r.Position;
    }

    [TestCase(0x80000000u)]
    [TestCase(0xFFFFFFFFu)]
    [TestCase(5u)]
    public void String_LengthBeyondTheData_IsProtocolError(uint length)
    {
        byte[] data = new SshBuffer().WriteUInt32(length).WriteBytes([1, 2, 3, 4]).ToArray();
        Assert.That(() => new SshReader(data).ReadStringBytes(), Throws.TypeOf<SshProtocolException>());
    }

    [Test]
    public void ReadBytes_NegativeCount_IsProtocolError()
    {
        Assert.That(() => new SshReader([1, 2]).ReadBytes(-1), Throws.TypeOf<SshProtocolException>());
    }

    [Test]
    public void EnsureEnd_TrailingBytes_IsProtocolError()
    {
        var ex = Assert.Throws<SshProtocolException>(() =>
        {
            var r = new SshReader([0, 0, 0, 1, 9]);
            r.ReadUInt32();
            r.EnsureEnd("The test message");
        });
        Assert.That(ex!.Message, Does.Contain("1 unexpected trailing"));
        Assert.DoesNotThrow(() =>
        {
            var r = new SshReader([0, 0, 0, 1, 9]);
            r.ReadUInt32();
            r.ReadByte();
            r.EnsureEnd("The test message");
        });
    }

    [Test]
    public void Writer_OutOfRoom_IsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new SshWriter(new byte[3]);
            w.WriteUInt32(1);
        });
    }
}
