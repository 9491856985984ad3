using NUnit.Framework;

namespace Ssh.InteropTests.Infrastructure
{
    /// <summary>Where the Debian packages put the peers we test against. A missing one is an installation error
    /// (run ./test.sh, which installs them), never a reason to skip.</summary>
    public static class PeerBinaries
    {
        public const string Sshd = "/usr/sbin/sshd";
        public const string Ssh = "/usr/bin/ssh";
        public const string SshKeygen = "/usr/bin/ssh-keygen";
        public const string SshKeyscan = "/usr/bin/ssh-keyscan";
        public const string Sftp = "/usr/bin/sftp";
        public const string Scp = "/usr/bin/scp";
        public const string SftpServer = "/usr/lib/openssh/sftp-server";
        public const string Dropbear = "/usr/sbin/dropbear";
        public const string DropbearClient = "/usr/bin/dbclient";
        public const string DropbearKey = "/usr/bin/dropbearkey";
        public const string Plink = "/usr/bin/plink";
        public const string Psftp = "/usr/bin/psftp";
        public const string Puttygen = "/usr/bin/puttygen";
        public const string Python3 = "/usr/bin/python3";
        public const string Sudo = "/usr/bin/sudo";

        public static readonly IReadOnlyList<string> All =
        [
            Sshd, Ssh, SshKeygen, SshKeyscan, Sftp, Scp, SftpServer,
            Dropbear, DropbearClient, DropbearKey, Plink, Psftp, Puttygen, Python3, Sudo,
        ];

        /// <summary>Fails (not skips) naming every missing peer, python3's paramiko module, and the test user.</summary>
        public static async Task AssertInstalledAsync(CancellationToken cancellationToken = default)
        {
            var problems = All.Where(path => !File.Exists(path)).Select(path => $"missing {path}").ToList();
            if (File.Exists(Python3))
            {
                var paramiko = await ProcessRunner.RunAsync(Python3, ["-c", "import paramiko"], timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken);
                if (paramiko.ExitCode != 0) problems.Add($"python3 cannot import paramiko: {paramiko.Stderr.Trim()}");
            }
            if (OpenSsh10.Prefix is null)
                problems.Add($"no OpenSSH 10 build (./test.sh builds it into {OpenSsh10.CacheRoot}; SSHCS_OPENSSH10 names its prefix)");
            if (!ServerTarget.ExternalConfigured)
            {
                var id = await ProcessRunner.RunAsync("/usr/bin/id", ["-u", TestUser.Name], timeout: TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
                if (id.ExitCode != 0) problems.Add($"no user {TestUser.Name}");
                if (!Directory.Exists("/run/sshd")) problems.Add("no /run/sshd (sshd's privilege separation directory)");
            }
            if (problems.Count > 0)
            {
                Assert.Fail("The interop test environment is incomplete (./test.sh installs and sets it up):\n  "
                    + string.Join("\n  ", problems));
            }
        }
    }

    /// <summary>OpenSSH 10 built from Debian 13's source package by ./test.sh (Debian 12's 9.2 has no ML-KEM): the
    /// post-quantum peer. <c>SSHCS_OPENSSH10</c> names its install prefix; without it the newest complete build
    /// in the cache is used.</summary>
    public static class OpenSsh10
    {
        public const string CacheRoot = "/var/cache/sshcs/openssh10";

        public static string? Prefix { get; } = Find();

        public static string Ssh => Path.Combine(Prefix ?? CacheRoot, "bin", "ssh");
        public static string Sshd => Path.Combine(Prefix ?? CacheRoot, "sbin", "sshd");

        private static string? Find()
        {
            static bool Complete(string dir) => File.Exists(Path.Combine(dir, ".complete"))
                && File.Exists(Path.Combine(dir, "bin", "ssh")) && File.Exists(Path.Combine(dir, "sbin", "sshd"));
            if (Environment.GetEnvironmentVariable("SSHCS_OPENSSH10") is { Length: > 0 } given)
                return Complete(given) ? given : null;
            if (!Directory.Exists(CacheRoot)) return null;
            return Directory.GetDirectories(CacheRoot).Where(Complete).OrderDescending(StringComparer.Ordinal).FirstOrDefault();
        }
    }

    /// <summary>The local account sshd serves in the interop tests; ./test.sh creates it.</summary>
    public static class TestUser
    {
        public const string Name = "sshcs-test";
        public const string Password = "sshcs-test-pw";
        public const string Home = "/home/sshcs-test";
    }
}

namespace Ssh.InteropTests
{
    using Ssh.InteropTests.Infrastructure;

    /// <summary>Runs once before every interop test in this namespace and below.</summary>
    [SetUpFixture]
    public sealed class InteropEnvironment
    {
        [OneTimeSetUp]
        public async Task CheckPeersAreInstalled() => await PeerBinaries.AssertInstalledAsync();
    }
}
