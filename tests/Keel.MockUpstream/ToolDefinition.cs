using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>A tool the caller offered; <see cref="Schema"/> is only valid while its JsonDocument is alive.</summary>
internal readonly record struct ToolDefinition(string Name, JsonElement Schema);
