using System.Buffers;
using System.IO.Pipelines;
using NUnit.Framework;
using Ssh.Transport.Packets;

namespace Ssh.Tests.Transport.Packets;

/// <summary>The packet buffers come from the shared pool and must go back exactly once: an array returned twice is
/// later rented by two connections at the same time, which then corrupt each other's packets.</summary>
public sealed class PacketBufferPoolTests
{
    private static void AssertPoolHandsOutDistinctArrays()
    {
        byte[] a = ArrayPool<byte>.Shared.Rent(PacketLimits.BufferSize);
        byte[] b = ArrayPool<byte>.Shared.Rent(PacketLimits.BufferSize);
        try
        {
            Assert.That(b, Is.Not.SameAs(a), "one buffer was returned to the pool twice");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
            if (!ReferenceEquals(a, b)) ArrayPool<byte>.Shared.Return(b);
        }
    }

    [Test]
    public void PacketWriter_DisposedTwice_ReturnsItsBufferOnce()
    {
        var writer = new PacketWriter(Stream.Null);
        writer.Dispose();
        writer.Dispose();
        AssertPoolHandsOutDistinctArrays();
    }

    [Test]
    public void PacketReader_DisposedTwice_ReturnsItsBufferOnce()
    {
        var reader = new PacketReader(new Pipe().Reader);
        reader.Dispose();
        reader.Dispose();
        AssertPoolHandsOutDistinctArrays();
    }
}
