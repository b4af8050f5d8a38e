namespace Keel.Tracing;

/// <summary>Attribute names from the OpenTelemetry gen_ai semantic conventions, plus Keel's own.</summary>
public static class GenAiAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string AgentName = "gen_ai.agent.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string ToolName = "gen_ai.tool.name";
    public const string ToolCallId = "gen_ai.tool.call.id";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string ErrorType = "error.type";

    public const string KeelDeployment = "keel.deployment";
    public const string KeelAttempt = "keel.attempt";
    public const string KeelAttempts = "keel.attempts";
    public const string KeelRetries = "keel.retries";
    public const string KeelFallbacks = "keel.fallbacks";
    public const string KeelCostUsd = "keel.cost_usd";
    public const string KeelRetryAfterMs = "keel.retry_after_ms";

    public static class Operations
    {
        public const string InvokeAgent = "invoke_agent";
        public const string Chat = "chat";
        public const string ExecuteTool = "execute_tool";
    }
}
