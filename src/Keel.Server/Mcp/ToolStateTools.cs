using System.ComponentModel;
using System.Text.Json;
using Keel.Server.Api;
using Keel.Storage;
using Keel.ToolState;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Keel.Server.Mcp;

/// <summary>
/// Versioned tool state as MCP tools: small JSON values a tool keeps per customer, session or task (a cart, a cursor,
/// a counter), written by compare-and-set so two agents never lose each other's update.
/// </summary>
[McpServerToolType]
internal static class ToolStateTools
{
    [McpServerTool(Name = "tool_state_get", Title = "Read tool state", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Read a tool's state value and its version. Version 0 and a null value mean it was never written. "
        + "Pass the version to tool_state_set as expected_version to update it safely.")]
    public static async Task<string> GetAsync(
        IKeelStore store,
        RequestContext<CallToolRequestParams> request,
        [Description("The tool that owns the state (two tools never see each other's keys).")] string tool,
        [Description("The value's name within the tool.")] string key,
        [Description("Whose state: customer (shared by all sessions, default), session or task.")] string scope = "customer",
        [Description("The session or task id for scope session or task; leave out for customer.")] string? scope_id = null,
        CancellationToken cancellationToken = default)
    {
        var stateKey = Key(McpCaller.CustomerId(request), tool, key, scope, scope_id);
        var entry = await store.GetToolStateAsync(stateKey, cancellationToken).ConfigureAwait(false);
        return Json(stateKey, entry);
    }

    [McpServerTool(Name = "tool_state_set", Title = "Write tool state", Destructive = true, Idempotent = false, OpenWorld = false)]
    [Description("Write a tool's state value by compare-and-set: it is written only if the stored version still equals expected_version "
        + "(0 when the value must not exist yet), and becomes expected_version + 1. When someone wrote it in between, nothing is written and "
        + "the answer has written=false with the current value and version: merge and retry with that version.")]
    public static async Task<string> SetAsync(
        IKeelStore store,
        RequestContext<CallToolRequestParams> request,
        [Description("The tool that owns the state.")] string tool,
        [Description("The value's name within the tool.")] string key,
        [Description("The new value: any JSON (object, array, string, number, boolean).")] JsonElement value,
        [Description("The version read with tool_state_get (0 when the value must not exist yet).")] long expected_version,
        [Description("Whose state: customer (default), session or task.")] string scope = "customer",
        [Description("The session or task id for scope session or task; leave out for customer.")] string? scope_id = null,
        CancellationToken cancellationToken = default)
    {
        var stateKey = Key(McpCaller.CustomerId(request), tool, key, scope, scope_id);
        if (expected_version < 0)
        {
            throw new McpException("'expected_version' must be 0 or more: the version read with tool_state_get.");
        }

        if (value.ValueKind == JsonValueKind.Undefined)
        {
            throw new McpException("'value' is required: any JSON value.");
        }

        try
        {
            var written = await store.CompareAndSetToolStateAsync(new ToolStateWrite(stateKey, expected_version, value.GetRawText()), cancellationToken).ConfigureAwait(false);
            return Json(stateKey, written, true);
        }
        catch (ToolStateConflictException)
        {
            var current = await store.GetToolStateAsync(stateKey, cancellationToken).ConfigureAwait(false);
            return Json(stateKey, current, false);
        }
    }

    private static ToolStateKey Key(string customerId, string tool, string key, string scope, string? scopeId)
    {
        var parsed = scope.Trim().ToLowerInvariant() switch
        {
            "customer" => ToolStateScope.Customer,
            "session" => ToolStateScope.Session,
            "task" => ToolStateScope.Task,
            _ => throw new McpException($"'scope' must be customer, session or task, not '{scope}'."),
        };
        if (parsed != ToolStateScope.Customer && string.IsNullOrWhiteSpace(scopeId))
        {
            throw new McpException($"'scope_id' is required for scope {parsed.ToString().ToLowerInvariant()}: the {parsed.ToString().ToLowerInvariant()} id.");
        }

        if (parsed == ToolStateScope.Customer && scopeId is not null && scopeId != customerId)
        {
            throw new McpException("Leave 'scope_id' out for scope customer: the state belongs to the caller's customer.");
        }

        return MemoryTools.Checked(() => new ToolStateKey(customerId, parsed, parsed == ToolStateScope.Customer ? customerId : scopeId!.Trim(), tool, key));
    }

    private static string Json(ToolStateKey key, ToolStateEntry? entry, bool? written = null)
    {
        JsonElement? value = null;
        if (entry is not null)
        {
            using var document = JsonDocument.Parse(entry.Value);
            value = document.RootElement.Clone();
        }

        var json = new ToolStateJson(key.Scope.ToString().ToLowerInvariant(), key.ScopeId, key.Tool, key.Key, value, entry?.Version ?? 0, entry?.UpdatedAt, written);
        return JsonSerializer.Serialize(json, MemoryApiJson.Wire.ToolStateJson);
    }
}
