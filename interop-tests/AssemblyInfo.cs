using System.Runtime.Versioning;

// The interop tests drive Debian's OpenSSH, dropbear and PuTTY: Linux only.
[assembly: SupportedOSPlatform("linux")]
