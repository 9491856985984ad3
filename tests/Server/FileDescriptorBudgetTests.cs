using NUnit.Framework;
using Ssh.Server;

namespace Ssh.Tests.Server;

/// <summary>The descriptor budget grants against a fresh count of the open descriptors every 100 ms: what it granted
/// before a count is forgotten once the count sees what is really open.</summary>
[NonParallelizable]
public class FileDescriptorBudgetTests
{
    [Test, CancelAfter(10_000)]
    public async Task Grants_are_forgotten_once_the_open_descriptors_are_counted_again(CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Linux only.");
        int limit = FileDescriptorBudget.Limit;
        if (limit == int.MaxValue) Assert.Ignore("No RLIMIT_NOFILE here.");
        // Six tenths of what commands may use, granted three times over with a count between each: with the count
        // that never came (the first check overflowed), the second grant was refused, and in sshcs server every
        // command after about (limit − headroom) / 16 logins.
        int budget = limit - Math.Max(64, limit / 8);
        int needed = budget * 6 / 10;
        for (int round = 0; round < 3; round++)
        {
            await Task.Delay(150, ct);
            Assert.That(FileDescriptorBudget.HasRoomForCommand(needed), Is.True, $"round {round}");
        }
        Assert.That(FileDescriptorBudget.HasRoomForCommand(budget + 1), Is.False, "more than the budget is never granted");
        await Task.Delay(150, ct); // leave a fresh count to the tests after this one
    }

    [Test, CancelAfter(60_000)]
    public async Task A_server_runs_commands_for_thousands_of_logins(CancellationToken ct)
    {
        // The regression itself: more logins, each with a command, than the overflowed budget let through
        // ((limit − headroom) / 16 with 8 descriptors for the connection and 8 for the command).
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Linux only.");
        int limit = FileDescriptorBudget.Limit;
        int logins = Math.Min(4000, (limit - Math.Max(64, limit / 8)) / 16 + 50);
        int granted = 0;
        var started = DateTime.UtcNow;
        for (int i = 0; i < logins; i++)
        {
            if (FileDescriptorBudget.HasRoomForConnection(8) && FileDescriptorBudget.HasRoomForCommand(8)) granted++;
            if (i % 50 == 49) await Task.Delay(110, ct); // a steady 450 logins per second, as a busy CI server sees
        }
        Assert.That(granted, Is.EqualTo(logins), $"{logins} logins in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
    }
}
