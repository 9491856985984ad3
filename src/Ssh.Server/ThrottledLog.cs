namespace Ssh.Server;

/// <summary>Log lines that could come thousands of times a second (every failed accept while descriptors are out,
/// every connection refused while full): each kind at most once a second, with the count of those left out.</summary>
internal sealed class ThrottledLog(Action<string> write)
{
    private readonly Dictionary<string, (long Last, int Suppressed)> _kinds = new(StringComparer.Ordinal);

    public void Write(string kind, string message)
    {
        int suppressed;
        lock (_kinds)
        {
            long now = Environment.TickCount64;
            if (_kinds.TryGetValue(kind, out var state) && now - state.Last < 1000)
            {
                _kinds[kind] = (state.Last, state.Suppressed + 1);
                return;
            }
            suppressed = state.Suppressed;
            _kinds[kind] = (now, 0);
        }
        write(suppressed > 0 ? $"{message} ({suppressed} more like it in the last second)" : message);
    }
}
