using System.Text;
using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>Text out of message content in either API: a string, or an array of parts/blocks with "text".</summary>
internal static class MessageText
{
    /// <summary>Characters of text in <paramref name="content"/>, including Anthropic tool_result content.</summary>
    public static long Length(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!.Length;
            case JsonValueKind.Array:
                long total = 0;
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        total += text.GetString()!.Length;
                    }
                    else if (part.TryGetProperty("content", out var nested))
                    {
                        total += Length(nested);
                    }
                }

                return total;
            default:
                return 0;
        }
    }

    /// <summary>The text parts of <paramref name="content"/> joined by spaces (tool results left out).</summary>
    public static string Of(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object
                        && part.TryGetProperty("text", out var value)
                        && value.ValueKind == JsonValueKind.String)
                    {
                        if (text.Length > 0)
                        {
                            text.Append(' ');
                        }

                        text.Append(value.GetString());
                    }
                }

                return text.ToString();
            default:
                return "";
        }
    }
}
