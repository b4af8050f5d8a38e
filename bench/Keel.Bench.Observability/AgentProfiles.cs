using System.Text.Json;
using Keel.Context;
using Microsoft.Extensions.AI;

namespace Keel.Bench.Observability;

/// <summary>One kind of agent in the seeded database: its share of tasks, instructions, tools and models.</summary>
internal sealed record AgentProfile(string Name, int Weight, string Instructions, IReadOnlyList<AIFunctionDeclaration> Tools, IReadOnlyList<(string Model, int Weight)> Models)
{
    private readonly Dictionary<string, string> _requests = [];

    /// <summary>The request entry every model step of this agent stores first (model, limits, tool definitions): one blob per model.</summary>
    public string RequestJson(string model)
    {
        lock (_requests)
        {
            if (!_requests.TryGetValue(model, out var json))
            {
                json = MessageJson.SerializeRequest(model, Options());
                _requests[model] = json;
            }

            return json;
        }
    }

    public ChatOptions Options() => new() { MaxOutputTokens = 1_024, Temperature = 0.2f, Tools = [.. Tools] };
}

/// <summary>The agents of the seeded database and of the long-running tasks.</summary>
internal static class AgentProfiles
{
    public static IReadOnlyList<AgentProfile> All { get; } =
    [
        new("support", 38, Instructions("the support agent of an online shop", "refund requests, late deliveries and damaged items"),
            [Tool("lookup_order", "Looks up an order by its id (ORD-#####): item, amount, currency and days since delivery.", ("order_id", "The order id, e.g. ORD-10427")),
             Tool("check_refund_policy", "Checks whether an order may be refunded under the shop's policy, and up to what amount.", ("order_id", "The order id"), ("reason", "damaged, late, wrong_item or changed_mind")),
             Tool("draft_refund", "Drafts a refund through the payment provider; returns the refund id and amount.", ("order_id", "The order id"), ("amount", "The amount to refund, in the order's currency")),
             Tool("send_email", "Sends the customer an email.", ("subject", "The subject line"), ("body", "The email's text"))],
            [("gpt-4o-mini", 70), ("gpt-4o", 20), ("claude-3-5-haiku", 10)]),
        new("research", 20, Instructions("a research assistant for an analyst team", "market questions, competitor pricing and summaries of sources"),
            [Tool("web_search", "Searches the web; returns titles, urls and snippets.", ("query", "What to search for")),
             Tool("fetch_page", "Fetches a web page and returns its main text.", ("url", "The page's address")),
             Tool("search_papers", "Searches a library of papers; returns titles, authors and abstracts.", ("query", "What to search for"), ("year_from", "Earliest year"))],
            [("gpt-4o", 40), ("claude-sonnet-4", 40), ("gemini-2.5-pro", 20)]),
        new("triage", 16, Instructions("the ticket triage agent of a software company", "bug reports, priorities and routing to the right team"),
            [Tool("get_ticket", "Reads a ticket: title, body, reporter and history.", ("ticket_id", "The ticket's id")),
             Tool("set_priority", "Sets a ticket's priority.", ("ticket_id", "The ticket's id"), ("priority", "p0, p1, p2 or p3")),
             Tool("assign_team", "Routes a ticket to a team.", ("ticket_id", "The ticket's id"), ("team", "The team's name"))],
            [("gpt-4.1-mini", 60), ("gpt-4o-mini", 40)]),
        new("coder", 10, Instructions("a coding agent working in a repository", "small fixes, tests and code review comments"),
            [Tool("read_file", "Reads a file of the repository.", ("path", "The file's path")),
             Tool("search_code", "Searches the repository's code.", ("query", "Text or a regular expression")),
             Tool("run_tests", "Runs the test suite, or one test class.", ("filter", "A test filter, or empty for all")),
             Tool("write_file", "Writes a file of the repository.", ("path", "The file's path"), ("content", "The new content"))],
            [("claude-sonnet-4", 60), ("gpt-5", 25), ("o4-mini", 15)]),
        new("billing", 8, Instructions("the billing agent of a subscription business", "duplicate charges, plan changes and invoices"),
            [Tool("get_invoices", "Lists a customer's invoices.", ("account_id", "The account's id")),
             Tool("issue_credit", "Issues a credit note against an invoice.", ("invoice_id", "The invoice's id"), ("amount", "The amount"))],
            [("gpt-4o-mini", 80), ("gpt-4o", 20)]),
        new("travel", 8, Instructions("a travel booking agent", "flights, hotels and changes to itineraries"),
            [Tool("search_flights", "Searches flights between two airports on a date.", ("from", "IATA code"), ("to", "IATA code"), ("date", "YYYY-MM-DD")),
             Tool("book", "Books a flight or a hotel offer.", ("offer_id", "The offer's id")),
             Tool("get_itinerary", "Reads the traveller's itinerary.", ("booking_id", "The booking's id"))],
            [("gpt-4o-mini", 50), ("gemini-2.5-flash", 50)]),
    ];

    public static AgentProfile Pick(Random rng) => Weighted(rng, All, a => a.Weight);

    public static T Weighted<T>(Random rng, IReadOnlyList<T> items, Func<T, int> weight)
    {
        var roll = rng.Next(items.Sum(weight));
        foreach (var item in items)
        {
            roll -= weight(item);
            if (roll < 0)
            {
                return item;
            }
        }

        return items[^1];
    }

    private static string Instructions(string role, string work) => $"""
        You are {role}. You handle {work}. Work step by step: gather the facts with your tools before you answer,
        never guess an order, ticket, invoice or booking id, and never promise more than the policy in force allows.
        When a tool fails, say what failed and what the person can do next; do not retry a tool that changed something
        (a refund, a booking, a credit) unless its result says it did not happen. Keep answers short: two to four
        sentences, plain words, no lists unless the person asked for one. Quote amounts with their currency, dates as
        YYYY-MM-DD, and ids exactly as the tools returned them. If the request is outside what you handle, say so and
        name the team that does. Personal data stays in the conversation: never copy it into a search query.
        """;

    private static AIFunctionDeclaration Tool(string name, string description, params (string Name, string Description)[] parameters)
    {
        var properties = string.Join(",", parameters.Select(p => $$"""{{JsonSerializer.Serialize(p.Name)}}:{"type":"string","description":{{JsonSerializer.Serialize(p.Description)}}}"""));
        var required = string.Join(",", parameters.Select(p => JsonSerializer.Serialize(p.Name)));
        using var schema = JsonDocument.Parse($$"""{"type":"object","properties":{{{properties}}},"required":[{{required}}],"additionalProperties":false}""");
        return AIFunctionFactory.CreateDeclaration(name, description, schema.RootElement.Clone());
    }
}
