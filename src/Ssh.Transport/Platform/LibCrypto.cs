using System.Runtime.InteropServices;

namespace Ssh.Transport.Platform;

/// <summary>
/// The platform's OpenSSL libcrypto, which .NET itself loads on Linux for its cryptography: loaded once, for the few
/// primitives .NET does not expose (constant-time modular exponentiation, raw ChaCha20, Poly1305). Every user has a
/// managed fallback for a system where it cannot be loaded.
/// </summary>
internal static class LibCrypto
{
    private static readonly Lazy<IntPtr> Library = new(Load);

    /// <summary>The loaded library, or zero where there is none.</summary>
    public static IntPtr Handle => Library.Value;

    /// <summary>The address of <paramref name="name"/>, or zero when the library or the function is missing.</summary>
    public static IntPtr Export(string name) =>
        Handle != 0 && NativeLibrary.TryGetExport(Handle, name, out IntPtr address) ? address : 0;

    private static IntPtr Load()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return 0;
        foreach (string name in new[] { "libcrypto.so.3", "libcrypto.so", "libcrypto.3.dylib" })
        {
            if (NativeLibrary.TryLoad(name, out IntPtr library)) return library;
        }
        return 0;
    }
}
