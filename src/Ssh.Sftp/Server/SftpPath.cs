namespace Ssh.Sftp.Server;

/// <summary>SFTP path arithmetic on "/"-separated strings, independent of the local platform.</summary>
public static class SftpPath
{
    /// <summary>The absolute, normalized form of <paramref name="path"/> taken from <paramref name="directory"/>:
    /// empty and "." parts dropped, ".." removing the part before it and never going above "/" (as in a chroot).</summary>
    public static string Normalize(string directory, string path)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(path);
        string full = path.StartsWith('/') ? path : directory.TrimEnd('/') + "/" + path;
        var parts = new List<string>();
        foreach (string part in full.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>The directory part of a normalized path ("/" for "/x" and for "/").</summary>
    public static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>The last part of a normalized path ("" for "/").</summary>
    public static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary><paramref name="child"/> inside <paramref name="directory"/>.</summary>
    public static string Combine(string directory, string child) => directory == "/" ? "/" + child : directory + "/" + child;
}
