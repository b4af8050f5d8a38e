using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Server.Configuration;

/// <summary>
/// The config file's JSON binding, source-generated so the native (trimmed) build of <c>keel</c> reads it too.
/// Snake case; an unknown field is an error (a typo must not be ignored); a YAML key with nothing under it
/// (<c>models:</c>) reads as null and is refused by name, not with a crash later.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(GatewayConfig))]
internal sealed partial class GatewayConfigJson : JsonSerializerContext;
