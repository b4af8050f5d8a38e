namespace Keel.Forks;

/// <summary>A fork that cannot be made as asked: no such task, a step outside its journal, an edit that does not fit.</summary>
public sealed class ForkException(string message) : InvalidOperationException(message);
