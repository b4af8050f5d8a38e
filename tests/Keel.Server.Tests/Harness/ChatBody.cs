using System.Text.Json.Nodes;

namespace Keel.Server.Tests.Harness;

/// <summary>Raw chat completion bodies, for the shapes the SDK would not send.</summary>
internal static class ChatBody
{
    public static JsonObject Of(string content = "Hello there", string model = "chat", bool stream = false)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = content }),
        };
        if (stream)
        {
            body["stream"] = true;
        }

        return body;
    }

    public static JsonObject Tool(string name, params string[] requiredStrings) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = name,
            ["description"] = $"The {name} tool.",
            ["parameters"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject(requiredStrings.Select(p => KeyValuePair.Create(p, (JsonNode?)new JsonObject { ["type"] = "string" }))),
                ["required"] = new JsonArray([.. requiredStrings.Select(p => JsonValue.Create(p))]),
            },
        },
    };
}
