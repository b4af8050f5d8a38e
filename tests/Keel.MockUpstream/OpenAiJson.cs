using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>Pre-encoded property names and values of OpenAI's chat completion shapes (the benchmark hot path).</summary>
internal static class OpenAiJson
{
    public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    public static readonly JsonEncodedText Object = JsonEncodedText.Encode("object");
    public static readonly JsonEncodedText Created = JsonEncodedText.Encode("created");
    public static readonly JsonEncodedText Model = JsonEncodedText.Encode("model");
    public static readonly JsonEncodedText Choices = JsonEncodedText.Encode("choices");
    public static readonly JsonEncodedText Index = JsonEncodedText.Encode("index");
    public static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
    public static readonly JsonEncodedText Delta = JsonEncodedText.Encode("delta");
    public static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
    public static readonly JsonEncodedText Assistant = JsonEncodedText.Encode("assistant");
    public static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
    public static readonly JsonEncodedText Refusal = JsonEncodedText.Encode("refusal");
    public static readonly JsonEncodedText Annotations = JsonEncodedText.Encode("annotations");
    public static readonly JsonEncodedText ToolCalls = JsonEncodedText.Encode("tool_calls");
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText Function = JsonEncodedText.Encode("function");
    public static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    public static readonly JsonEncodedText Arguments = JsonEncodedText.Encode("arguments");
    public static readonly JsonEncodedText Logprobs = JsonEncodedText.Encode("logprobs");
    public static readonly JsonEncodedText FinishReason = JsonEncodedText.Encode("finish_reason");
    public static readonly JsonEncodedText Usage = JsonEncodedText.Encode("usage");
    public static readonly JsonEncodedText PromptTokens = JsonEncodedText.Encode("prompt_tokens");
    public static readonly JsonEncodedText CompletionTokens = JsonEncodedText.Encode("completion_tokens");
    public static readonly JsonEncodedText TotalTokens = JsonEncodedText.Encode("total_tokens");
    public static readonly JsonEncodedText PromptTokensDetails = JsonEncodedText.Encode("prompt_tokens_details");
    public static readonly JsonEncodedText CompletionTokensDetails = JsonEncodedText.Encode("completion_tokens_details");
    public static readonly JsonEncodedText CachedTokens = JsonEncodedText.Encode("cached_tokens");
    public static readonly JsonEncodedText AudioTokens = JsonEncodedText.Encode("audio_tokens");
    public static readonly JsonEncodedText ReasoningTokens = JsonEncodedText.Encode("reasoning_tokens");
    public static readonly JsonEncodedText AcceptedPredictionTokens = JsonEncodedText.Encode("accepted_prediction_tokens");
    public static readonly JsonEncodedText RejectedPredictionTokens = JsonEncodedText.Encode("rejected_prediction_tokens");
    public static readonly JsonEncodedText ServiceTier = JsonEncodedText.Encode("service_tier");
    public static readonly JsonEncodedText Default = JsonEncodedText.Encode("default");
    public static readonly JsonEncodedText SystemFingerprint = JsonEncodedText.Encode("system_fingerprint");
    public static readonly JsonEncodedText Fingerprint = JsonEncodedText.Encode("fp_mock_upstream");
    public static readonly JsonEncodedText ChatCompletion = JsonEncodedText.Encode("chat.completion");
    public static readonly JsonEncodedText ChatCompletionChunk = JsonEncodedText.Encode("chat.completion.chunk");
    public static readonly JsonEncodedText Stop = JsonEncodedText.Encode("stop");
    public static readonly JsonEncodedText Length = JsonEncodedText.Encode("length");
    public static readonly JsonEncodedText ToolCallsReason = JsonEncodedText.Encode("tool_calls");

    public static JsonEncodedText FinishReasonOf(MockAnswer answer) =>
        answer.IsToolCall ? ToolCallsReason : answer.Truncated ? Length : Stop;

    public static void WriteUsage(Utf8JsonWriter writer, int promptTokens, int completionTokens)
    {
        writer.WriteStartObject(Usage);
        writer.WriteNumber(PromptTokens, promptTokens);
        writer.WriteNumber(CompletionTokens, completionTokens);
        writer.WriteNumber(TotalTokens, promptTokens + completionTokens);
        writer.WriteStartObject(PromptTokensDetails);
        writer.WriteNumber(CachedTokens, 0);
        writer.WriteNumber(AudioTokens, 0);
        writer.WriteEndObject();
        writer.WriteStartObject(CompletionTokensDetails);
        writer.WriteNumber(ReasoningTokens, 0);
        writer.WriteNumber(AudioTokens, 0);
        writer.WriteNumber(AcceptedPredictionTokens, 0);
        writer.WriteNumber(RejectedPredictionTokens, 0);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
