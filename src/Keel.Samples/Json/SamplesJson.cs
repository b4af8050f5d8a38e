using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Keel.Samples.Research;
using Keel.Samples.Support;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Json;

/// <summary>
/// Source-generated JSON for the sample tools' results, so the tools work in the trimmed native build of
/// <c>keel</c> too, where reflection-based serialization is off. Camel case, as <see cref="AIJsonUtilities"/> writes.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<SearchHit>))]
[JsonSerializable(typeof(OrderFound))]
[JsonSerializable(typeof(ToolError))]
[JsonSerializable(typeof(RefundVerdict))]
[JsonSerializable(typeof(RefundDrafted))]
internal sealed partial class SamplesJson : JsonSerializerContext
{
    /// <summary>The options the sample tools are created with: the AI defaults plus the sample result types.</summary>
    // Built on first use, not in a field initializer: the generated Default sits in another part of this partial
    // class, and the order of initializers across parts is not defined.
    public static JsonSerializerOptions ToolOptions => field ??= CreateToolOptions();

    private static JsonSerializerOptions CreateToolOptions()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, AIJsonUtilities.DefaultOptions.TypeInfoResolver),
        };
        options.MakeReadOnly();
        return options;
    }
}
