using NUnit.Framework;

namespace Ssh.Tests;

/// <summary>Paths of the fixtures in tests/TestData (copied next to the test assembly).</summary>
internal static class TestData
{
    public static string PathOf(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", name);

    public static string Read(string name) => File.ReadAllText(PathOf(name));
}
