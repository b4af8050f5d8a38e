namespace Keel.Server.Configuration;

/// <summary>What the native (NativeAOT, trimmed) build of <c>keel</c> cannot do, in the words it refuses with.</summary>
internal static class NativeBuild
{
    public const string AnthropicUnavailable =
        "the anthropic provider type is not available in the native build of keel: the Anthropic SDK serializes with "
        + "reflection, which a trimmed native binary has not got. Use the JIT build (dotnet run, or dotnet publish without "
        + "PublishAot), or reach Anthropic through an OpenAI-compatible endpoint (type: openai).";
}
