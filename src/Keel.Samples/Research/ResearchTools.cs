using System.ComponentModel;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Research;

public static class ResearchTools
{
    public const decimal SearchCostUsd = 0.005m;

    public static IReadOnlyList<AIFunction> All { get; } =
    [
        // A paid search API: half a cent a query, recorded as tool usage.
        AIFunctionFactory.Create(WebSearch, new AIFunctionFactoryOptions
        {
            Name = "web_search",
            AdditionalProperties = new Dictionary<string, object?> { [Agents.ToolLoopAgent.CostKey] = SearchCostUsd },
        }),
        AIFunctionFactory.Create(ReadDocument, "read_document"),
    ];

    [Description("Searches the web; returns the top three results with url, title and snippet.")]
    public static IReadOnlyList<SearchHit> WebSearch([Description("What to search for")] string query) => Library.Search(query);

    [Description("Fetches a document by url and returns its text.")]
    public static string ReadDocument([Description("The url of a search result")] string url) => Library.Read(url);
}
