using Microsoft.Extensions.Logging;

namespace Ssh.Cli;

/// <summary>
/// The library's log events on standard error, the way OpenSSH prints its own: <c>sshcs exec -v</c> as ssh's
/// <c>debug1:</c> lines, <c>sshcs server --log-level debug</c> as sshd's, time-stamped. Debug and Information events
/// print as <c>debug1:</c> (Information events of <see cref="PlainCategory"/> as plain lines), Trace as
/// <c>debug2:</c>, warnings and errors as they are. A scope (the server's per-connection <c>Connection ADDR:PORT</c>)
/// goes in brackets before the text.
/// </summary>
internal sealed class StderrLogger(LogLevel minimum, bool timestamps, string? plainCategory = null) : ILoggerFactory
{
    private readonly LogLevel _minimum = minimum;
    private readonly AsyncLocal<string?> _scope = new();
    private readonly object _lock = new();

    /// <summary>The category whose Information events are plain lines (the server's own), not <c>debug1:</c>.</summary>
    public string? PlainCategory => plainCategory;

    public ILogger CreateLogger(string categoryName) => new CategoryLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("sshcs writes its log to standard error only.");

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, string message)
    {
        string prefix = level switch
        {
            LogLevel.Trace => "debug2: ",
            LogLevel.Debug => "debug1: ",
            LogLevel.Information => category == plainCategory ? "" : "debug1: ",
            LogLevel.Warning => "warning: ",
            _ => "error: ",
        };
        string scope = _scope.Value is { } s ? $"[{s}] " : "";
        string line = timestamps ? $"{DateTime.Now:HH:mm:ss.fff} {prefix}{scope}{message}" : $"{prefix}{scope}{message}";
        lock (_lock) Console.Error.WriteLine(line);
    }

    private sealed class CategoryLogger(StderrLogger owner, string category) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= owner._minimum;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            string? previous = owner._scope.Value;
            owner._scope.Value = state.ToString();
            return new ScopeEnd(owner, previous);
        }

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            owner.Write(category, logLevel, formatter(state, exception));
        }
    }

    private sealed class ScopeEnd(StderrLogger owner, string? previous) : IDisposable
    {
        public void Dispose() => owner._scope.Value = previous;
    }
}
