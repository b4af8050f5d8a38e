namespace Keel.Telemetry.GenAi;

/// <summary>
/// The gen_ai semantic conventions' opt-in content attributes (JSON text on spans): what a model was told and
/// answered, and what a tool returned. Keel records the same content in its own form (OpenAI-shaped messages in a
/// context snapshot); <see cref="GenAiMessages"/> translates between the two.
/// </summary>
public static class GenAiContent
{
    public const string SystemInstructions = "gen_ai.system_instructions";
    public const string InputMessages = "gen_ai.input.messages";
    public const string OutputMessages = "gen_ai.output.messages";
    public const string ToolDefinitions = "gen_ai.tool.definitions";
    public const string ToolCallArguments = "gen_ai.tool.call.arguments";
    public const string ToolCallResult = "gen_ai.tool.call.result";
}
