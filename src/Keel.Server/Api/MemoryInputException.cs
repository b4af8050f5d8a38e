namespace Keel.Server.Api;

/// <summary>
/// A memory request that cannot be served as given: REST answers it with a 400 naming <see cref="Param"/>, MCP with
/// a tool error, the CLI with one line. The message says what a valid value looks like.
/// </summary>
public sealed class MemoryInputException(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;
}
