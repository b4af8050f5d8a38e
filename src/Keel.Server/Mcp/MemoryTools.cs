using System.ComponentModel;
using System.Text.Json;
using Keel.Memory;
using Keel.Server.Api;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keel.Server.Mcp;

/// <summary>
/// Memory as MCP tools: what an agent in any MCP client (an IDE, a desktop assistant, an agent framework) calls to
/// remember, recall and forget. Each call acts for one customer (see <see cref="McpCaller"/>); the scope parts narrow
/// it to an end user, an agent or a session. Answers are the REST API's JSON.
/// </summary>
[McpServerToolType]
internal static class MemoryTools
{
    private const string ScopeHelp = " Scope: leave user_id, agent_id and session_id out to cover all of this customer's memories; each one given narrows it.";

    [McpServerTool(Name = "memory_search", Title = "Search memory", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Find memories relevant to a question: hybrid search (meaning, exact words, recency and importance), best first. "
        + "Use it before answering anything that may depend on what was learned earlier (the user's preferences, facts, past events, what worked)."
        + ScopeHelp)]
    public static async Task<string> SearchAsync(
        MemoryService memory,
        TimeProvider time,
        RequestContext<CallToolRequestParams> request,
        [Description("What to look for, in plain words (a question or keywords).")] string query,
        [Description("How many memories to return, 1 to 100.")] int k = 10,
        [Description("Only memories of this end user.")] string? user_id = null,
        [Description("Only memories of this agent.")] string? agent_id = null,
        [Description("Only memories of this session.")] string? session_id = null,
        [Description("Only these kinds: episodic (what happened), semantic (facts), procedural (ways of working). All when empty.")] string[]? kinds = null,
        [Description("Also return this many adjacent turns around each hit (0 to 10), for the conversation around it.")] int neighbours = 0,
        CancellationToken cancellationToken = default)
    {
        var customerId = McpCaller.CustomerId(request);
        var search = new MemorySearchRequestJson { Query = query, K = k, UserId = user_id, AgentId = agent_id, SessionId = session_id, Kinds = kinds, Neighbours = neighbours };
        var result = await memory.SearchAsync(Checked(() => MemoryWire.ToQuery(customerId, search)), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(MemoryWire.ToJson(result, time.GetUtcNow()), MemoryApiJson.Wire.MemorySearchJson);
    }

    [McpServerTool(Name = "memory_add", Title = "Remember", Destructive = false, OpenWorld = false)]
    [Description("Store something worth remembering across sessions: a fact about the user or the world (semantic), something that happened (episodic), "
        + "or an instruction that worked (procedural). Identical memories in a scope are stored once. To correct a fact, give it a fact_key: "
        + "the new memory replaces the current one with that key, which stays as history." + ScopeHelp)]
    public static async Task<string> AddAsync(
        MemoryService memory,
        TimeProvider time,
        RequestContext<CallToolRequestParams> request,
        [Description("The memory, in a self-contained sentence (\"Ann prefers window seats\").")] string text,
        [Description("episodic, semantic (default) or procedural.")] string kind = "semantic",
        [Description("The end user it is about or came from.")] string? user_id = null,
        [Description("The agent that learned it.")] string? agent_id = null,
        [Description("The session it came from.")] string? session_id = null,
        [Description("0 to 1: how much it should weigh in search (0.5 when unsure).")] double importance = 0.5,
        [Description("Names the fact it states (\"user.home_city\"); a later memory with the same key supersedes this one.")] string? fact_key = null,
        [Description("An id in another system it came from (a ticket, a document), so it can be forgotten with its source.")] string? source_external_id = null,
        CancellationToken cancellationToken = default)
    {
        var customerId = McpCaller.CustomerId(request);
        var input = new MemoryInputJson
        {
            Text = text,
            Kind = kind,
            UserId = user_id,
            AgentId = agent_id,
            SessionId = session_id,
            Importance = importance,
            FactKey = fact_key,
            Source = source_external_id is null ? null : new MemorySourceJson(ExternalId: source_external_id),
        };
        var written = await memory.AddAsync(Checked(() => MemoryWire.ToNew(customerId, input)), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(MemoryWire.ToJson(written, time.GetUtcNow()), MemoryApiJson.Wire.MemoryWriteJson);
    }

    [McpServerTool(Name = "memory_forget", Title = "Forget", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Forget memories for good (text, embedding and index entries, history included): one by its id, everything from a source, "
        + "or everything in a scope with all_in_scope=true (a user's erasure request). Use it when the user asks to forget something or a memory is wrong."
        + ScopeHelp)]
    public static async Task<string> ForgetAsync(
        MemoryService memory,
        RequestContext<CallToolRequestParams> request,
        [Description("The id of one memory to forget (mem_..., from memory_search or memory_add).")] string? id = null,
        [Description("Narrow to this end user's memories (with all_in_scope: erase everything of this user).")] string? user_id = null,
        [Description("Narrow to this agent's memories.")] string? agent_id = null,
        [Description("Narrow to this session's memories.")] string? session_id = null,
        [Description("Forget the memories that came from this session.")] string? source_session_id = null,
        [Description("Forget the memories that came from this outside id (a ticket, a document).")] string? source_external_id = null,
        [Description("Erase everything in the scope given by user_id/agent_id/session_id (the whole customer when none is given). Must be true to erase without an id or a source.")] bool all_in_scope = false,
        CancellationToken cancellationToken = default)
    {
        var customerId = McpCaller.CustomerId(request);
        var source = source_session_id is null && source_external_id is null ? null : new MemorySourceJson(SessionId: source_session_id, ExternalId: source_external_id);
        var forget = Checked(() => MemoryWire.ToForget(customerId, new MemoryForgetRequestJson
        {
            Ids = id is null ? null : [id],
            UserId = user_id,
            AgentId = agent_id,
            SessionId = session_id,
            Source = source,
            AllInScope = all_in_scope,
        }));
        if (id is not null && (await memory.Store.GetMemoriesAsync(customerId, [id], cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            throw new McpException($"No memory '{id}' for this customer.");
        }

        var deleted = await memory.ForgetAsync(forget, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Serialize(new MemoryForgetJson("memory.forget", deleted), MemoryApiJson.Wire.MemoryForgetJson);
    }

    /// <summary>Runs input validation, turning its refusal into a tool error the model can read and correct.</summary>
    internal static T Checked<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (MemoryInputException ex)
        {
            throw new McpException(ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw new McpException(ex.Message);
        }
    }
}
