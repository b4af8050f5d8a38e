using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Keel.Approvals;

namespace Keel.Tasks;

/// <summary>
/// Source-generated JSON (web defaults) for what the runtime journals itself, so it also works in the trimmed native
/// build of <c>keel</c>, where reflection-based serialization is off.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApprovalResult))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class RuntimeJson : JsonSerializerContext
{
    /// <summary>
    /// The options <c>StepAsync</c> journals its results with: <see cref="JsonSerializerDefaults.Web"/> and, where
    /// reflection is on (the normal build), any type; in the native build the types above, or the caller's
    /// <see cref="JsonTypeInfo{T}"/>.
    /// </summary>
    // Built on first use, not in a field initializer: the generated Default sits in another part of this partial
    // class, and the order of initializers across parts is not defined.
    public static JsonSerializerOptions Steps => field ??= CreateSteps();

    // The reflection branch is the normal build's; in the native build IsReflectionEnabledByDefault is a false
    // constant (a feature switch), so the trimmer drops it.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only when reflection-based serialization is enabled.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only when reflection-based serialization is enabled.")]
    private static JsonSerializerOptions CreateSteps()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault ? new DefaultJsonTypeInfoResolver() : Default,
        };
        options.MakeReadOnly();
        return options;
    }
}
