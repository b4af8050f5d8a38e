using Keel.Providers;

namespace Keel.Resilience;

/// <summary>Every deployment of the route failed (or the error was one no deployment would fix).</summary>
public sealed class ModelCallFailedException(string alias, ModelCallException lastError, IReadOnlyList<ModelAttempt> attempts, int fallbacks)
    : Exception($"Model '{alias}' failed after {attempts.Count(a => !a.Skipped)} attempt(s) and {fallbacks} fallback(s): {lastError.Message}", lastError)
{
    public string Alias { get; } = alias;
    public ModelCallException LastError { get; } = lastError;
    public IReadOnlyList<ModelAttempt> Attempts { get; } = attempts;
    public int Fallbacks { get; } = fallbacks;
}
