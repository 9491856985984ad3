namespace Ssh.InteropTests.Infrastructure;

/// <summary>The checkout the tests run from: the first directory above the test binaries that holds Ssh.sln.</summary>
public static class Repository
{
    private static readonly Lazy<string> RootDirectory = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ssh.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No Ssh.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The repository's root directory.</summary>
    public static string Root => RootDirectory.Value;
}
