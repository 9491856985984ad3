using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ssh.Tests.Diagnostics;

/// <summary>Keeps every event at every level: the formatted text, and each structured value and scope as text, so a
/// test can search everything a real logging back-end could write.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyList<string> Values);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ConcurrentQueue<string> Scopes { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>Every piece of text captured: messages, structured values, scopes.</summary>
    public IEnumerable<string> AllText() =>
        Entries.SelectMany(e => e.Values.Prepend(e.Message)).Concat(Scopes);

    public IEnumerable<string> Messages(string? category = null) =>
        Entries.Where(e => category is null || e.Category == category).Select(e => e.Message);

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Scopes.Enqueue(state.ToString() ?? "");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new List<string>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (_, value) in pairs) values.Add(value?.ToString() ?? "");
            }
            if (exception is not null) values.Add(exception.ToString());
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), values));
        }
    }
}
