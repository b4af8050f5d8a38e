using System.ComponentModel;
using Keel.Samples.Json;
using Keel.Samples.SideEffects;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Research;

/// <summary>
/// The research agent's tools. Each takes the call's <see cref="AIFunctionArguments"/> (bound by the factory, not
/// shown to the model) to reach its idempotency key.
/// </summary>
public static class ResearchTools
{
    public const decimal SearchCostUsd = 0.005m;

    public static IReadOnlyList<AIFunction> All { get; } =
    [
        // A paid search API: half a cent a query, recorded as tool usage.
        AIFunctionFactory.Create(WebSearch, new AIFunctionFactoryOptions
        {
            Name = "web_search",
            SerializerOptions = SamplesJson.ToolOptions,
            AdditionalProperties = new Dictionary<string, object?> { [Agents.ToolLoopAgent.CostKey] = SearchCostUsd },
        }),
        AIFunctionFactory.Create(ReadDocument, "read_document", serializerOptions: SamplesJson.ToolOptions),
    ];

    /// <summary>
    /// Paid per query, so it sends the search provider the call's idempotency key: a query a crash cut off before
    /// its step's commit is answered again on resume but billed once.
    /// </summary>
    [Description("Searches the web; returns the top three results with url, title and snippet.")]
    public static async Task<IReadOnlyList<SearchHit>> WebSearch([Description("What to search for")] string query, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        await SideEffectLog.ExecutingAsync(arguments, "web_search", cancellationToken).ConfigureAwait(false);
        await SideEffectLog.TryApplyAsync(arguments, "web_search", cancellationToken).ConfigureAwait(false);
        return Library.Search(query);
    }

    [Description("Fetches a document by url and returns its text.")]
    public static async Task<string> ReadDocument([Description("The url of a search result")] string url, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        await SideEffectLog.ExecutingAsync(arguments, "read_document", cancellationToken).ConfigureAwait(false);
        return Library.Read(url);
    }
}
