using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// The official MCP TypeScript SDK (<c>@modelcontextprotocol/sdk</c>, node/mcp-*.mjs) against Keel's MCP server:
/// its stdio client starting the built <c>keel mcp</c>, as an MCP host does, and its streamable HTTP client
/// against <c>keel serve</c>'s /mcp with API keys. Both make an agent's memory round trip: list the tools, remember,
/// find it, forget it, no longer find it; and a tool-state compare-and-set that loses a race.
/// </summary>
public sealed class McpStdioTests
{
    [Fact]
    public async Task The_typescript_sdk_over_stdio_lists_the_tools_adds_finds_and_forgets_a_memory()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");

        var result = await McpScript.RunAsync("mcp-stdio.mjs", new()
        {
            ["KEEL_COMMAND"] = Programs.KeelFileName,
            ["KEEL_ARGS"] = JsonSerializer.Serialize(Programs.KeelArguments("mcp", "--db", db, "--customer", "mcp-e2e")),
        });

        var output = McpScript.Output(result);
        McpAssert.RoundTrip(output);
        Assert.Equal("keel", output.Str("server.name"));
        // The server's own lines went to stderr; stdout carried nothing but the protocol (the script's JSON is ours).
        Assert.Contains("keel: MCP server on stdio", result.Stderr, StringComparison.Ordinal);

        // The memory the client forgot is gone from the database too; the one it kept is there, in its customer.
        var listed = await KeelProcess.RunAsync("memory", "list", "--db", db, "--customer", "mcp-e2e", "--user", "ann", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var ids = listed.Json()["data"]!.AsArray().Select(m => m!.Str("id")).ToList();
        Assert.Equal([output.Str("unrelated_id")], ids);
    }
}

/// <summary>The TypeScript SDK's streamable HTTP client against /mcp on a real `keel serve`, with customers' keys.</summary>
public sealed class McpHttpTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_typescript_sdk_over_http_acts_as_the_keys_customer_and_never_sees_another_customers_memory()
    {
        var other = await KeelProcess.RunAsync("keys", "create", "--customer", "mcp-other", "--db", gateway.DbPath, "--json");
        Assert.True(other.ExitCode == 0, other.ToString());

        var result = await McpScript.RunAsync("mcp-http.mjs", new()
        {
            ["MCP_URL"] = gateway.GatewayUrl + "/mcp",
            ["API_KEY"] = gateway.ApiKey,
            ["OTHER_API_KEY"] = other.Json().Str("key"),
        });

        var output = McpScript.Output(result);
        McpAssert.RoundTrip(output);
        var kept = output.Str("kept_id");
        Assert.DoesNotContain(kept, output.At("other_found_ids").AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains($"No memory '{kept}'", output.Str("other_forget.error"), StringComparison.Ordinal);
        Assert.Contains(kept, output.At("own_found_ids").AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(output.Bool("bad_key.connected"), output.ToJsonString());
    }
}

internal static class McpAssert
{
    private static readonly string[] Tools = ["memory_add", "memory_forget", "memory_search", "tool_state_get", "tool_state_set"];

    /// <summary>What node/mcp-flow.mjs saw, whichever transport carried it.</summary>
    public static void RoundTrip(JsonNode output)
    {
        var tools = output.At("tools").AsObject();
        Assert.Equal(Tools, tools.Select(t => t.Key).Order(StringComparer.Ordinal));
        foreach (var (name, tool) in tools)
        {
            Assert.True(tool!.Str("description").Length > 40, $"{name} needs a description a model can act on: {tool?.ToJsonString()}");
        }

        // The schemas name the arguments and nothing of the server's own plumbing (services, the caller, cancellation).
        Assert.Equal(["query"], Strings(output.At("tools.memory_search.required")));
        Assert.Contains("user_id", Strings(output.At("tools.memory_search.properties")));
        Assert.Equal(["text"], Strings(output.At("tools.memory_add.required")));
        Assert.Equal(["expected_version", "key", "tool", "value"], Strings(output.At("tools.tool_state_set.required")));
        foreach (var (_, tool) in tools)
        {
            Assert.DoesNotContain(Strings(tool!.At("properties")), p => p is "services" or "user" or "memory" or "store" or "time" or "cancellationToken");
        }

        var id = output.Str("added.memory.id");
        Assert.StartsWith("mem_", id, StringComparison.Ordinal);
        Assert.Equal("semantic", output.Str("added.memory.kind"));
        Assert.Equal("ann", output.Str("added.memory.user_id"));
        Assert.False(output.Bool("added.deduplicated"));

        var found = Strings(output.At("found_ids"));
        Assert.True(found.Count > 0 && found[0] == id, $"the seat preference should rank first: {output.At("found").ToJsonString()}");
        Assert.Equal(1, output.Long("forgot.deleted"));
        Assert.DoesNotContain(id, Strings(output.At("after_ids")));
        Assert.Contains($"No memory '{id}'", output.Str("forget_again.error"), StringComparison.Ordinal);
        Assert.Contains("episodic, semantic or procedural", output.Str("bad_kind.error"), StringComparison.Ordinal);

        Assert.Equal(0, output.Long("state_before.version"));
        Assert.True(output.IsNull("state_before.value"));
        Assert.True(output.Bool("state_set.written"));
        Assert.Equal(1, output.Long("state_set.version"));
        Assert.False(output.Bool("state_conflict.written"));
        Assert.Equal(1, output.Long("state_conflict.version"));
        Assert.Equal(["a1"], Strings(output.At("state_conflict.value.skus")));
        Assert.Equal(["a1"], Strings(output.At("state_after.value.skus")));
    }

    private static List<string> Strings(JsonNode node) => [.. node.AsArray().Select(n => n!.GetValue<string>())];
}

/// <summary>Runs one of the node/mcp-*.mjs scripts: its environment, a deadline, its one JSON line.</summary>
internal static class McpScript
{
    // The server starts a .NET process and loads the local embedding model: slower than a plain HTTP client.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static async Task<ProcessResult> RunAsync(string script, Dictionary<string, string?> environment)
    {
        environment["NODE_NO_WARNINGS"] = "1";
        var path = Path.Combine(Programs.NodeScriptsDirectory, script);
        await using var process = ChildProcess.Start("node", [path], Programs.NodeScriptsDirectory, environment);
        var exitCode = await process.WaitForExitAsync(Timeout);
        return new ProcessResult(exitCode, process.Stdout, process.Stderr, process.Describe());
    }

    public static JsonNode Output(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json();
    }
}
