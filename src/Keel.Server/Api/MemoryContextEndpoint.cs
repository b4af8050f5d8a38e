using System.Text.Json;
using Keel.Memory.Context;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// <c>POST /v1/memories/context</c>: <c>{"session_id", "query", "token_budget", "user_id", "agent_id", "kinds",
/// "max_memories"}</c> → the session's recent turns, a note for the earlier ones and relevant memories packed into
/// the budget (counted with the o200k tokenizer), with what was left out and why.
/// </summary>
internal static class MemoryContextEndpoint
{
    public const int MaxTokenBudget = 2_000_000;

    public static Task BuildAsync(HttpContext http, ApiKeyAuthenticator keys, GatewayCatalog catalog, IKeelStore store, ContextAssembler assembler) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var body = await JsonBody.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var request = MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemoryContextRequestJson);
            if (string.IsNullOrWhiteSpace(request.SessionId))
            {
                throw new MemoryInputException("'session_id' is required: the session whose context to build.", "session_id");
            }

            if (request.TokenBudget is not ({ } budget and >= 1 and <= MaxTokenBudget))
            {
                throw new MemoryInputException($"'token_budget' is required: the tokens the context may take, 1 to {MaxTokenBudget}.", "token_budget");
            }

            if (request.MaxMemories is < 0 or > MemoryWire.MaxK)
            {
                throw new MemoryInputException($"'max_memories' must be from 0 to {MemoryWire.MaxK}.", "max_memories");
            }

            var sessionId = request.SessionId.Trim();
            var session = await store.GetSessionAsync(sessionId, http.RequestAborted).ConfigureAwait(false);
            if (session is null || session.CustomerId != customerId)
            {
                await GatewayResponses.WriteErrorAsync(http, OpenAiError.NotFound($"No session '{sessionId}' for this API key.")).ConfigureAwait(false);
                return;
            }

            var options = assembler.Defaults with
            {
                MemoryScope = MemoryWire.Scope(customerId, request.UserId, request.AgentId, null),
                MemoryKinds = MemoryWire.ParseKinds(request.Kinds),
                MaxMemories = request.MaxMemories ?? assembler.Defaults.MaxMemories,
            };
            var context = await assembler.BuildContextAsync(customerId, sessionId, request.Query, budget, options, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, ToJson(sessionId, context), MemoryApiJson.Wire.MemoryContextJson).ConfigureAwait(false);
        });

    private static MemoryContextJson ToJson(string sessionId, AssembledContext context) => new(
        "memory.context",
        sessionId,
        context.TokenBudget,
        context.TotalTokens,
        [.. context.Messages.Select(m => new ContextMessageJson(m.Role.Value, m.Text))],
        [.. context.Included.Select(i => new ContextItemJson(Name(i.Kind), i.Id, i.Text, i.Tokens))],
        [.. context.LeftOut.Select(l => new ContextLeftOutJson(Name(l.Item.Kind), l.Item.Id, l.Item.Text, l.Item.Tokens, Name(l.Reason), l.Detail))]);

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
