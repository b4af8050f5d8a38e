using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>What a finished child process left behind.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, string Description)
{
    /// <summary>The JSON document on stdout; fails the test, showing the whole output, when there is none.</summary>
    public JsonNode Json()
    {
        try
        {
            return JsonNode.Parse(Stdout) ?? throw new System.Text.Json.JsonException("null document");
        }
        catch (System.Text.Json.JsonException ex)
        {
            Assert.Fail($"stdout is not one JSON document ({ex.Message}).\n{Description}");
            throw;
        }
    }

    public override string ToString() => Description;
}
