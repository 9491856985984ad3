using NUnit.Framework;
using Ssh.Transport.Wire;

namespace Ssh.Tests.Smoke;

/// <summary>Keeps the unit run non-empty and proves the test project is wired to the library.</summary>
public sealed class WireSmokeTests
{
    [TestCase(0u)]
    [TestCase(1u)]
    [TestCase(0x12345678u)]
    [TestCase(uint.MaxValue)]
    public void UInt32_round_trips_big_endian(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        var writer = new SshWriter(buffer);
        writer.WriteUInt32(value);

        Assert.That(writer.Position, Is.EqualTo(4));
        Assert.That(buffer[0], Is.EqualTo((byte)(value >> 24)), "RFC 4251 §5: uint32 is stored most significant byte first");
        var reader = new SshReader(buffer);
        Assert.That(reader.ReadUInt32(), Is.EqualTo(value));
        Assert.That(reader.AtEnd, Is.True);
    }
}
