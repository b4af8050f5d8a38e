using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.AgentFramework;

/// <summary>Source-generated JSON for the state Keel keeps in agent sessions.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(KeelSessionState))]
internal sealed partial class AgentFrameworkJson : JsonSerializerContext;
