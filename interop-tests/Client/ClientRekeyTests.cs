using NUnit.Framework;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;

namespace Ssh.InteropTests.Client;

/// <summary>Key re-exchange in the middle of transfers, started by either side.</summary>
[TestFixture]
public sealed class ClientRekeyTests
{
    private const int TimeoutMs = 180_000;

    [Test, CancelAfter(TimeoutMs)]
    public async Task Server_initiated_rekeys_every_megabyte_keep_data_intact(CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(["RekeyLimit 1M"], cancellationToken: cancellationToken);
        await using var client = await ClientTestSupport.ConnectAsync(target, cancellationToken: cancellationToken);
        await ClientExecTests.TransferAndVerifyAsync(client, 20_000_000, cancellationToken);
        Assert.That(client.GetTransport()!.KeyExchangeCount, Is.GreaterThanOrEqualTo(20), "sshd should have re-keyed every megabyte");
    }

    [TestCase("chacha20-poly1305@openssh.com")]
    [TestCase("aes128-gcm@openssh.com")]
    [TestCase("aes128-ctr")]
    [CancelAfter(TimeoutMs)]
    public async Task Client_initiated_rekeys_keep_data_intact(string cipher, CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        var settings = new TransportSettings { RekeyBytesLimit = 2_000_000, Ciphers = [cipher] };
        await using var client = await ClientTestSupport.ConnectAsync(target, settings, cancellationToken: cancellationToken);
        try
        {
            await ClientExecTests.TransferAndVerifyAsync(client, 20_000_000, cancellationToken);
        }
        catch
        {
            TestContext.Out.WriteLine(target.LogTail(40));
            throw;
        }
        // 20 MB each way with a 2 MB limit: about ten exchanges started by us, plus the first.
        Assert.That(client.GetTransport()!.KeyExchangeCount, Is.GreaterThanOrEqualTo(10));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task Explicit_renegotiation_while_data_flows(CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(cancellationToken: cancellationToken);
        await using var client = await ClientTestSupport.ConnectAsync(target, cancellationToken: cancellationToken);
        var transfer = ClientExecTests.TransferAndVerifyAsync(client, 30_000_000, cancellationToken);
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(100, cancellationToken);
            await client.GetTransport()!.RenegotiateKeysAsync(cancellationToken);
        }
        await transfer;
        Assert.That(client.GetTransport()!.KeyExchangeCount, Is.EqualTo(4));
    }
}
