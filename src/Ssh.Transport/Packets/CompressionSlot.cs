using Ssh.Transport.Algorithms.Compression;

namespace Ssh.Transport.Packets;

/// <summary>One direction's compression: the negotiated method, its stream, and whether it is running yet. A delayed
/// method (<c>zlib@openssh.com</c>) waits for USERAUTH_SUCCESS; a re-key that negotiates the same method keeps the
/// stream going, as OpenSSH does (the peer's side of the stream goes on too).</summary>
internal sealed class CompressionSlot<T> : IDisposable where T : class, IDisposable
{
    private readonly Func<string, T?> _create;
    private string _name = CompressionRegistry.None;
    private T? _instance;
    private volatile bool _active;

    public CompressionSlot(Func<string, T?> create) => _create = create;

    /// <summary>The running compressor or decompressor; null when compression is off or not started yet.</summary>
    public T? Active => _active ? _instance : null;

    /// <summary>Takes the method negotiated for this direction into use at NEWKEYS.</summary>
    public void Set(string name, bool authenticated)
    {
        if (name == _name)
        {
            if (authenticated) Enable();
            return;
        }
        _instance?.Dispose();
        _name = name;
        _instance = _create(name);
        _active = _instance is not null && (authenticated || !CompressionRegistry.IsDelayed(name));
    }

    /// <summary>Starts a delayed method (after USERAUTH_SUCCESS); no effect otherwise.</summary>
    public void Enable()
    {
        if (_instance is not null) _active = true;
    }

    public void Dispose()
    {
        _active = false;
        _instance?.Dispose();
        _instance = null;
    }
}
